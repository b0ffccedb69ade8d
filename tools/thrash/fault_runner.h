// Carries a schedule out against the stack: each fault at its time from the start of Run(),
// brought back after its `down_ms`. The plan keeps the bounds (schedule.h), but a restart can
// take longer than its allowance: so the runner keeps them again with the real state, and a
// fault whose target or class is still out waits (and the log says so). A fault that cannot be
// undone is retried, then reported as a violation: nothing is left down at the end.
//
// Thread-safe: Run() from one thread; Abort() from any (a signal handler's thread included).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "tools/thrash/schedule.h"
#include "tools/thrash/stack_control.h"
#include "tools/thrash/tally.h"

namespace datamesh::thrash {

class FaultRunner {
 public:
  // `stack`, `options` and `tally` must outlive the runner.
  FaultRunner(const StackControl& stack, const ScheduleOptions& options, Tally& tally)
      : stack_(stack), options_(options), tally_(tally) {}

  // Injects and undoes every fault; returns once all are undone.
  void Run(const std::vector<Fault>& faults);
  // Faults not yet injected are skipped, those in progress are undone now.
  void Abort();
  // What is out right now ("chunk-store-2 chunk-store-5 quota"), "nothing" when all is up:
  // the context of a failure, for its evidence.
  std::string OutNow();

 private:
  void RunOne(size_t index, const Fault& fault);
  // Waits until `fault` may start without breaking a bound, then marks its target out.
  void Admit(size_t index, const Fault& fault);
  void Release(const Fault& fault);
  // Sleeps until `deadline` or Abort(); false when aborted.
  bool SleepUntil(std::chrono::steady_clock::time_point deadline);
  absl::Status Inject(const Fault& fault) const;
  absl::Status Undo(const Fault& fault) const;

  const StackControl& stack_;
  const ScheduleOptions& options_;
  Tally& tally_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::set<std::string> stores_out_;  // guarded by mu_
  std::set<std::string> others_out_;  // guarded by mu_
  std::atomic<bool> aborted_{false};
};

}  // namespace datamesh::thrash
