// What a run saw: operations by kind, failures by kind and cause (with the first example of
// each), faults injected, and violations — the broken promises that fail the run. Also the
// run's log: every line is stamped with the seconds since the run began.
//
// Thread-safe: clients, the fault runner and the final checks record into one Tally.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace datamesh::thrash {

// When a failure happened: while faults were being injected, in the settle period after them
// (the stack healthy again), or in the final checks.
enum class Phase { kFaults, kSettle, kFinal };
const char* PhaseName(Phase phase);

class Tally {
 public:
  explicit Tally(FILE* out = stdout) : out_(out), start_(std::chrono::steady_clock::now()) {}

  void SetPhase(Phase phase);

  // An operation ("upload", "download", ...) that did what was asked.
  void Ok(const std::string& op);
  // An operation that failed in a way the contract allows (a clear error during a fault);
  // `detail` (request id, message) is kept for the first failure of each cause.
  void Failed(const std::string& op, const std::string& cause, const std::string& detail);
  // A broken promise: printed at once and counted; any violation fails the run.
  void Violation(const std::string& what);
  // A fault as it was injected (kind name and target), for the summary.
  void FaultInjected(const std::string& kind, const std::string& target);

  // A line on the run's output, stamped "[+12.3s]".
  void Log(const std::string& line);

  int violations() const;
  // Failures recorded in `phase`, all operations together.
  int FailuresIn(Phase phase) const;

  // One line: operations and failures so far, violations.
  std::string Progress() const;
  // The summary block printed at the end of a run.
  std::string Summary() const;

 private:
  struct Cause {
    int count = 0;
    std::string first_detail;
  };
  double Seconds() const;
  void LogLocked(const std::string& line);

  FILE* out_;
  const std::chrono::steady_clock::time_point start_;
  mutable std::mutex mu_;
  Phase phase_ = Phase::kFaults;
  std::map<std::string, int> ok_;  // by operation
  // phase/operation -> cause -> count and first example
  std::map<std::string, std::map<std::string, Cause>> failed_;
  std::map<std::string, int> faults_;  // "kill-store chunk-store-3" -> times
  std::vector<std::string> violations_;
};

}  // namespace datamesh::thrash
