// BenchPostgres: what the benchmark binaries that need PostgreSQL share (`make bench`): a
// --pg-url flag, and a pool on that server, or on a throwaway one started like the tests' stacks
// (TestStack, PostgreSQL only) when the flag is empty, with one schema's migrations applied.
//
//   config::FlagSet flags("ledger_bench");
//   testing::BenchPostgres pg(flags);
//   flags.AddInt(...);                                   // the bench's own flags
//   if (std::optional<int> exit = testing::ParseBenchFlags(flags, argc, argv)) return *exit;
//   if (absl::Status s = pg.Connect({}, "governance", governance_migrations()); !s.ok()) ...
//   Run(pg.pool());
//
// Thread-compatible; the pool is thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "shared/config/flags.h"
#include "shared/pg/migrations.h"
#include "shared/pg/pool.h"
#include "shared/testing/test_stack.h"

namespace datamesh::testing {

class BenchPostgres {
 public:
  // Adds --pg-url to `flags` (which must outlive nothing here: the value is copied at Connect).
  explicit BenchPostgres(config::FlagSet& flags);

  // Connects with `options` (its url is --pg-url's, or the throwaway server's) and applies
  // `migrations` to `schema`.
  absl::Status Connect(pg::PoolOptions options, std::string_view schema,
                       const std::vector<pg::Migration>& migrations);

  pg::Pool& pool() { return *pool_; }
  // The throwaway stack; null when --pg-url named a server.
  const TestStack* stack() const { return stack_.get(); }

 private:
  std::string url_;
  std::unique_ptr<TestStack> stack_;
  std::unique_ptr<pg::Pool> pool_;
};

// Parses a benchmark's flags. nullopt: go on. Otherwise the exit code after the usage was
// printed: 0 for --help, 2 for a bad flag (with the problem first).
std::optional<int> ParseBenchFlags(config::FlagSet& flags, int argc, char** argv);

}  // namespace datamesh::testing
