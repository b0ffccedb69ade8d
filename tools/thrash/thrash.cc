#include "tools/thrash/thrash.h"

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/thrash/fault_runner.h"
#include "tools/thrash/final_check.h"
#include "tools/thrash/stack_control.h"

namespace datamesh::thrash {
namespace {

constexpr absl::Duration kHealthyAtStart = absl::Seconds(60);
constexpr absl::Duration kProgressEvery = absl::Seconds(30);

void PrintSchedule(const ThrashOptions& o, const std::vector<Fault>& faults) {
  printf("schedule: %zu faults in %s (profile %s)\n", faults.size(),
         absl::FormatDuration(o.duration).c_str(),
         o.schedule.profile == Profile::kLong ? "long" : "short");
  for (size_t i = 0; i < faults.size(); ++i) {
    printf("  #%-3zu %s\n", i + 1, Describe(faults[i]).c_str());
  }
  fflush(stdout);
}

// Logs the admin in; its client puts the load's users on the enterprise tier.
absl::StatusOr<std::unique_ptr<GatewayClient>> AdminClient(const StackControl& stack,
                                                           const std::string& url, uint64_t seed) {
  absl::StatusOr<std::string> password = stack.AdminPassword();
  if (!password.ok()) return password.status();
  absl::StatusOr<std::unique_ptr<GatewayClient>> admin =
      GatewayClient::Create(url, absl::StrCat("thrash-", seed, "-admin"));
  if (!admin.ok()) return admin.status();
  const Reply r = (*admin)->Call("POST", "/api/v1/auth/login",
                                 {{"username", "admin"}, {"password", *password}});
  const std::string token = r.status == 200 ? JsonString(r.Json(), "token") : "";
  if (token.empty()) {
    return absl::FailedPreconditionError("the admin cannot log in: " + r.Cause() + " " + r.body);
  }
  (*admin)->set_token(token);
  return admin;
}

using Clients = std::vector<std::unique_ptr<LoadClient>>;

absl::StatusOr<Clients> SetUpClients(const ThrashOptions& o, const LoadOptions& load,
                                     const StackControl& stack, const Content& content,
                                     Tally& tally, const OutageReport& outages) {
  absl::StatusOr<std::string> url = stack.Env("DM_GATEWAY_URL");
  if (!url.ok()) return url.status();
  absl::StatusOr<std::unique_ptr<GatewayClient>> admin = AdminClient(stack, *url, o.seed);
  if (!admin.ok()) return admin.status();
  Clients clients;
  for (int i = 0; i < o.clients; ++i) {
    absl::StatusOr<std::unique_ptr<GatewayClient>> gateway =
        GatewayClient::Create(*url, absl::StrCat("thrash-", o.seed, "-c", i));
    if (!gateway.ok()) return gateway.status();
    clients.push_back(
        std::make_unique<LoadClient>(i, load, content, tally, *std::move(gateway), outages));
    if (absl::Status s = clients.back()->SetUp(**admin); !s.ok()) return s;
  }
  return clients;
}

// Sleeps `d`, waking early when `interrupted` is set.
void SleepUnlessInterrupted(absl::Duration d, const std::atomic<bool>& interrupted) {
  const absl::Time until = absl::Now() + d;
  while (!interrupted && absl::Now() < until) absl::SleepFor(absl::Milliseconds(100));
}

void RunFinalChecks(Clients& clients, const Content& content, Tally& tally,
                    const FinalOptions& options) {
  std::vector<std::thread> threads;
  for (auto& client : clients) {
    threads.emplace_back([&, c = client.get()] { FinalCheck(*c, content, tally, options).Run(); });
  }
  for (std::thread& t : threads) t.join();
}

// The load on while the faults are injected and undone, the healthy wait, the settle period;
// the load stopped at the end. False when interrupted.
bool LoadThroughFaults(const ThrashOptions& o, const std::vector<Fault>& faults,
                       const StackControl& stack, FaultRunner& runner, Clients& clients,
                       Tally& tally, const std::atomic<bool>& interrupted) {
  std::atomic<bool> stop_load{false};
  std::atomic<bool> run_over{false};
  std::vector<std::thread> load_threads;
  for (auto& client : clients) {
    load_threads.emplace_back([&stop_load, c = client.get()] { c->Run(stop_load); });
  }
  // Interruption and progress: faults are undone at once and the load stops.
  std::thread watcher([&] {
    for (absl::Time next = absl::Now() + kProgressEvery; !run_over;) {
      if (interrupted) {
        runner.Abort();
        stop_load = true;
        return;
      }
      if (absl::Now() >= next) {
        tally.Log(tally.Progress());
        next += kProgressEvery;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
  });
  runner.Run(faults);
  tally.Log("every fault is undone");
  if (!interrupted) {
    if (absl::Status s = stack.WaitHealthy(o.schedule.chunk_stores, o.healthy_timeout); !s.ok()) {
      tally.Violation(std::string(s.message()));
    } else {
      tally.Log(absl::StrCat("the stack is healthy again; settling for ",
                             absl::FormatDuration(o.settle), " with the load on"));
    }
    tally.SetPhase(Phase::kSettle);
    SleepUnlessInterrupted(o.settle, interrupted);
  }
  stop_load = true;
  for (std::thread& t : load_threads) t.join();
  run_over = true;
  watcher.join();
  return !interrupted;
}

// Prints the summary and the verdict; returns the exit code.
int Verdict(const ThrashOptions& o, size_t faults, const Tally& tally, bool interrupted) {
  printf("%s", tally.Summary().c_str());
  const auto seed = static_cast<unsigned long long>(o.seed);
  if (interrupted) {
    printf("INTERRUPTED: every fault was undone; no final check was made (seed=%llu)\n", seed);
    return kExitInterrupted;
  }
  if (tally.violations() > 0) {
    printf("FAILED: %d violation(s). seed=%llu replays the schedule: %s\n", tally.violations(),
           seed, ReplayCommand(o).c_str());
    return kExitViolations;
  }
  printf("PASSED: seed=%llu, %zu faults, no violation\n", seed, faults);
  return kExitPassed;
}

}  // namespace

int RunThrash(const ThrashOptions& o, const std::atomic<bool>& interrupted) {
  printf("seed=%llu\nreplay: %s\n", static_cast<unsigned long long>(o.seed),
         ReplayCommand(o).c_str());
  const std::vector<Fault> faults = MakeSchedule(o.schedule);
  if (absl::Status s = CheckSchedule(faults, o.schedule); !s.ok()) {
    fprintf(stderr, "dm-thrash: the schedule breaks its own bounds (a bug): %s\n",
            std::string(s.message()).c_str());
    return kExitUsage;
  }
  PrintSchedule(o, faults);
  Tally tally;
  const StackControl stack(o.devstack, o.dir, o.bin);
  absl::Status usable = stack.Env("DM_GATEWAY_URL").status();
  if (usable.ok()) usable = stack.WaitHealthy(o.schedule.chunk_stores, kHealthyAtStart);
  const Content content(o.seed);
  LoadOptions load = o.load;
  load.run_tag = std::to_string(getpid());
  FaultRunner runner(stack, o.schedule, tally);
  absl::StatusOr<Clients> clients = absl::UnknownError("not set up");
  if (usable.ok()) {
    clients = SetUpClients(o, load, stack, content, tally, [&runner] { return runner.OutNow(); });
    usable = clients.status();
  }
  if (!usable.ok()) {
    fprintf(stderr, "dm-thrash: the stack in %s cannot be used: %s\n", o.dir.c_str(),
            std::string(usable.message()).c_str());
    return kExitStackUnusable;
  }
  tally.Log(absl::StrCat(o.clients, " clients set up; load and faults start"));
  FinalOptions final_checks = o.final_checks;
  final_checks.gateway_grpc_address = stack.Env("DM_GATEWAY_GRPC_ADDR").value_or("");
  const bool completed = LoadThroughFaults(o, faults, stack, runner, *clients, tally, interrupted);
  if (completed) {
    tally.SetPhase(Phase::kFinal);
    tally.Log("load stopped; checking every file, its health and each user's usage");
    RunFinalChecks(*clients, content, tally, final_checks);
  }
  return Verdict(o, faults.size(), tally, !completed);
}

}  // namespace datamesh::thrash
