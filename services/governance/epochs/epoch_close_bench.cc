// governance_epoch_close_bench: how long one epoch's close takes for many operators, against a
// real PostgreSQL (its own, started like the tests' unless --pg-url is given).
//   governance_epoch_close_bench [--pg-url URL] [--operators N] [--nodes N]
// Writes N admitted operators with M nodes each and a recorded epoch of usage for every node,
// then closes the epoch (issuance, split, held back, paystubs) in one transaction and prints
// the time it took and the ledger's invariant check. Operators from earlier runs are removed
// from the reckoning first (state 'removed').
#include <chrono>
#include <cstdio>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "governance_migrations.h"
#include "services/governance/epochs/epoch_closer.h"
#include "services/governance/ledger/invariants.h"
#include "services/governance/ledger/ledger.h"
#include "shared/config/flags.h"
#include "shared/pg/migrations.h"
#include "shared/pg/pool.h"
#include "shared/status/status.h"
#include "shared/testing/bench_postgres.h"

namespace datamesh::governance::epochs {
namespace {

absl::Status Populate(pg::Pool& pool, const std::string& run, int operators, int nodes) {
  return pool.Transact([&](pqxx::work& tx) -> absl::Status {
    tx.exec0("UPDATE governance.operators SET state = 'removed'");
    tx.exec_params0(
        "INSERT INTO governance.operators (id, name, account_id, state) "
        "SELECT $1 || '-op-' || i, $1 || '-op-' || i, $1 || '-acct-' || i, 'admitted' "
        "FROM generate_series(1, $2) i",
        run, operators);
    // Node ids: 64 hex characters from a hash of (run, operator, node).
    tx.exec_params0(
        "INSERT INTO governance.operator_nodes (node_id, operator_id) "
        "SELECT md5($1 || i || '/' || j) || md5($1 || j || '/' || i), $1 || '-op-' || i "
        "FROM generate_series(1, $2) i, generate_series(1, $3) j",
        run, operators, nodes);
    tx.exec_params0(
        "INSERT INTO governance.node_epoch_usage (epoch, node_id, instance_id, up_seconds, "
        "byte_seconds) "
        "SELECT e.number, n.node_id, 'bench', 86400, (1000000000 + (random() * 1e9)::bigint) "
        "  * 86400::numeric "
        "FROM governance.operator_nodes n "
        "JOIN governance.operators o ON o.id = n.operator_id AND o.state = 'admitted', "
        "governance.epochs e WHERE e.state = 'open'");
    return absl::OkStatus();
  });
}

int Main(int argc, char** argv) {
  int64_t operators = 1000, nodes = 10;
  config::FlagSet flags("governance_epoch_close_bench");
  testing::BenchPostgres pg(flags);
  flags.AddInt("operators", &operators, "admitted operators");
  flags.AddInt("nodes", &nodes, "nodes per operator");
  if (std::optional<int> exit = testing::ParseBenchFlags(flags, argc, argv)) return *exit;
  const absl::Time start = absl::Now();
  absl::Status ready = pg.Connect({}, "governance", governance_migrations());
  if (ready.ok()) {
    ready = pg.pool().Transact([&](pqxx::work& tx) -> absl::Status {
      RETURN_IF_ERROR(ledger::EnsureGenesis(tx, 1'000'000'000'000'000));
      return CloseDueEpoch(tx, start).status();  // opens an epoch when there is none
    });
  }
  const std::string run = absl::StrCat("bench", absl::ToUnixMicros(start));
  if (ready.ok())
    ready = Populate(pg.pool(), run, static_cast<int>(operators), static_cast<int>(nodes));
  if (!ready.ok()) {
    std::cerr << ready << "\n";
    return 1;
  }
  // One close, in one transaction, as the worker makes it.
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<int64_t> closed;
  absl::Status done = pg.pool().Transact([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(closed, CloseDueEpoch(tx, absl::Now() + absl::Hours(24 * 365)));
    return absl::OkStatus();
  });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!done.ok() || !closed) {
    std::cerr << "the close failed: " << (done.ok() ? "nothing due" : done.ToString()) << "\n";
    return 1;
  }
  std::printf("| epoch close, %lld operators x %lld nodes (PostgreSQL) | %8.2f s |\n",
              static_cast<long long>(operators), static_cast<long long>(nodes), seconds);
  ledger::InvariantReport report;
  absl::Status checked = pg.pool().Transact([&](pqxx::work& tx) {
    report = ledger::VerifyInvariants(tx);
    return absl::OkStatus();
  });
  if (!checked.ok() || !report.ok()) {
    std::cerr << "ledger invariants after the close: "
              << (checked.ok() ? report.violations.front() : checked.ToString()) << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace datamesh::governance::epochs

int main(int argc, char** argv) { return datamesh::governance::epochs::Main(argc, argv); }
