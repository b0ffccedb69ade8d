#include "shared/testing/bench_postgres.h"

#include <iostream>

namespace datamesh::testing {

BenchPostgres::BenchPostgres(config::FlagSet& flags) {
  flags.AddString("pg-url", &url_, "PostgreSQL to use (default: start a throwaway one)");
}

absl::Status BenchPostgres::Connect(pg::PoolOptions options, std::string_view schema,
                                    const std::vector<pg::Migration>& migrations) {
  if (url_.empty()) {
    absl::StatusOr<std::unique_ptr<TestStack>> started = TestStack::Start();
    if (!started.ok()) return started.status();
    stack_ = std::move(*started);
    url_ = stack_->pg_url();
  }
  options.url = url_;
  absl::StatusOr<std::unique_ptr<pg::Pool>> pool = pg::Pool::Create(options);
  if (!pool.ok()) return pool.status();
  pool_ = std::move(*pool);
  return pg::ApplyMigrations(*pool_, schema, migrations);
}

std::optional<int> ParseBenchFlags(config::FlagSet& flags, int argc, char** argv) {
  absl::Status s = flags.Parse(argc, argv);
  if (s.ok() && !flags.help_requested()) return std::nullopt;
  std::cerr << (s.ok() ? "" : std::string(s.message()) + "\n") << flags.Usage();
  return s.ok() ? 0 : 2;
}

}  // namespace datamesh::testing
