// governance_ledger_bench: ledger transfers per second against a real PostgreSQL, with 1 and 4
// client threads, each transfer one transaction (Transfer = one balanced post of two entries).
//   governance_ledger_bench [--pg-url URL] [--transfers N] [--accounts N]
// Without --pg-url it starts its own PostgreSQL (tools/devstack, as the tests do). Accounts are
// drawn at random from a funded set, so threads meet on the same rows now and then, as users
// would. Prints one table row per thread count: the rate, and the CPU time one transfer costs
// (this client plus every PostgreSQL process, from /proc), which stays comparable on a machine
// shared with other work where the rate does not.
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "governance_migrations.h"
#include "services/governance/ledger/invariants.h"
#include "services/governance/ledger/ledger.h"
#include "services/governance/ledger/stake.h"
#include "shared/config/flags.h"
#include "shared/pg/migrations.h"
#include "shared/pg/pool.h"
#include "shared/testing/bench_postgres.h"

namespace datamesh::governance::ledger {
namespace {

// utime + stime (seconds) of the processes whose parent is `parent`, plus the parent's own.
double TreeCpuSeconds(long parent) {
  if (parent <= 0) return 0;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  double total = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    // Fields after the parenthesised command: state ppid ... utime (14th) stime (15th).
    const size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    long ppid = 0;
    rest >> state >> ppid;
    if (ppid != parent && std::stol(name) != parent) continue;
    std::string skip;
    for (int i = 0; i < 9; ++i) rest >> skip;
    double utime = 0, stime = 0;
    rest >> utime >> stime;
    total += (utime + stime) / ticks;
  }
  return total;
}

double SelfCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long PostmasterPid(const testing::TestStack* stack) {
  if (stack == nullptr) return 0;
  std::ifstream in(stack->dir() + "/pids/postgres.pid");
  long pid = 0;
  in >> pid;
  return pid;
}

absl::Status Fund(pg::Pool& pool, const std::vector<std::string>& accounts) {
  return pool.Transact([&](pqxx::work& tx) -> absl::Status {
    if (absl::Status s = EnsureGenesis(tx, 1'000'000'000'000'000); !s.ok()) return s;
    for (const std::string& a : accounts) {
      if (absl::Status s = Grant(tx, a, 1'000'000'000'000, "bench", "bench-fund/" + a); !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  });
}

// Runs `total` transfers split over `threads`; returns transfers per second.
absl::StatusOr<double> Run(pg::Pool& pool, const std::vector<std::string>& accounts, int threads,
                           int total, const std::string& run) {
  std::atomic<int> failures{0};
  std::string first_error;
  std::mutex mu;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937 rng(t + 1);
      std::uniform_int_distribution<size_t> pick(0, accounts.size() - 1);
      for (int i = t; i < total; i += threads) {
        const std::string& from = accounts[pick(rng)];
        std::string to = accounts[pick(rng)];
        if (to == from) to = accounts[(pick(rng) + 1) % accounts.size()];
        if (to == from) continue;
        absl::Status s = pool.Transact([&](pqxx::work& tx) {
          return Transfer(tx, from, to, 1 + i % 1000, "bench",
                          absl::StrCat("bench/", run, "/", threads, "/", i));
        });
        if (!s.ok() && failures++ == 0) {
          std::lock_guard<std::mutex> lock(mu);
          first_error = s.ToString();
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failures > 0)
    return absl::InternalError(absl::StrCat(failures.load(), " transfers failed: ", first_error));
  return total / seconds;
}

int Main(int argc, char** argv) {
  int64_t transfers = 5000, account_count = 200;
  config::FlagSet flags("governance_ledger_bench");
  testing::BenchPostgres pg(flags);
  flags.AddInt("transfers", &transfers, "transfers per thread count");
  flags.AddInt("accounts", &account_count, "funded accounts the transfers move between");
  if (std::optional<int> exit = testing::ParseBenchFlags(flags, argc, argv)) return *exit;
  pg::PoolOptions po;
  po.size = 8;
  po.application_name = "governance_ledger_bench";
  absl::Status ready = pg.Connect(po, "governance", governance_migrations());
  const std::string run =
      std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  std::vector<std::string> accounts;
  for (int i = 0; i < account_count; ++i) accounts.push_back(absl::StrCat("bench-", run, "-", i));
  if (ready.ok()) ready = Fund(pg.pool(), accounts);
  if (!ready.ok()) {
    std::cerr << ready << "\n";
    return 1;
  }
  int code = 0;
  const long postmaster = PostmasterPid(pg.stack());
  double load[3] = {0, 0, 0};
  for (int threads : {1, 4}) {
    const double client_before = SelfCpuSeconds(), server_before = TreeCpuSeconds(postmaster);
    absl::StatusOr<double> rate = Run(pg.pool(), accounts, threads, transfers, run);
    const double client = SelfCpuSeconds() - client_before;
    const double server = TreeCpuSeconds(postmaster) - server_before;
    if (!rate.ok()) {
      std::cerr << rate.status() << "\n";
      code = 1;
      continue;
    }
    std::printf("| ledger transfers, %d thread%s (PostgreSQL)        | %8.0f /s  |\n", threads,
                threads == 1 ? " " : "s", *rate);
    if (postmaster > 0) {
      std::printf("|   CPU per transfer: client %.3f ms + PostgreSQL | %8.3f ms  |\n",
                  client * 1000 / transfers, (client + server) * 1000 / transfers);
    }
  }
  if (getloadavg(load, 3) > 0) std::printf("(load average during the run: %.1f)\n", load[0]);
  InvariantReport report;
  absl::Status checked = pg.pool().Transact([&](pqxx::work& tx) {
    report = VerifyInvariants(tx);
    return absl::OkStatus();
  });
  if (!checked.ok() || !report.ok()) {
    std::cerr << "ledger invariants after the run: "
              << (checked.ok() ? report.violations.front() : checked.ToString()) << "\n";
    return 1;
  }
  return code;
}

}  // namespace
}  // namespace datamesh::governance::ledger

int main(int argc, char** argv) { return datamesh::governance::ledger::Main(argc, argv); }
