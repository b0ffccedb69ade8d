#include "tools/thrash/fault_runner.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace datamesh::thrash {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kUndoAttempts = 5;
constexpr auto kUndoRetryPause = std::chrono::seconds(3);

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

void FaultRunner::Run(const std::vector<Fault>& faults) {
  start_ = Clock::now();
  std::vector<std::thread> threads;
  threads.reserve(faults.size());
  for (size_t i = 0; i < faults.size(); ++i) {
    threads.emplace_back([this, i, &faults] { RunOne(i, faults[i]); });
  }
  for (std::thread& t : threads) t.join();
}

void FaultRunner::Abort() {
  aborted_ = true;
  std::lock_guard<std::mutex> lock(mu_);
  changed_.notify_all();
}

std::string FaultRunner::OutNow() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stores_out_.empty() && others_out_.empty()) return "nothing";
  std::vector<std::string> out(stores_out_.begin(), stores_out_.end());
  out.insert(out.end(), others_out_.begin(), others_out_.end());
  return absl::StrJoin(out, " ");
}

bool FaultRunner::SleepUntil(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait_until(lock, deadline, [this] { return aborted_.load(); });
  return !aborted_;
}

void FaultRunner::Admit(size_t index, const Fault& fault) {
  std::unique_lock<std::mutex> lock(mu_);
  std::set<std::string>& out = IsStoreFault(fault.kind) ? stores_out_ : others_out_;
  const size_t limit = static_cast<size_t>(IsStoreFault(fault.kind) ? options_.max_stores_down
                                                                    : options_.max_others_down);
  auto may_start = [&] { return out.size() < limit && out.count(fault.target) == 0; };
  if (!may_start()) {
    tally_.Log(absl::StrFormat("fault #%d waits: %s still out", index + 1,
                               out.count(fault.target) ? fault.target : "too many of its class"));
  }
  // Every fault already out is undone after its own `down_ms`, so this wait ends.
  changed_.wait(lock, [&] { return aborted_ || may_start(); });
  if (!aborted_) out.insert(fault.target);
}

void FaultRunner::Release(const Fault& fault) {
  std::lock_guard<std::mutex> lock(mu_);
  (IsStoreFault(fault.kind) ? stores_out_ : others_out_).erase(fault.target);
  changed_.notify_all();
}

absl::Status FaultRunner::Inject(const Fault& fault) const {
  switch (fault.kind) {
    case FaultKind::kKillStore:
    case FaultKind::kKillService: return stack_.KillInstance(fault.target);
    case FaultKind::kPauseStore: return stack_.Pause(fault.target);
    case FaultKind::kDependency: return stack_.StopDependency(fault.target);
  }
  return absl::InternalError("unknown fault kind");
}

absl::Status FaultRunner::Undo(const Fault& fault) const {
  switch (fault.kind) {
    case FaultKind::kKillStore:
    case FaultKind::kKillService: return stack_.StartInstance(fault.target);
    case FaultKind::kPauseStore: return stack_.Resume(fault.target);
    case FaultKind::kDependency: return stack_.StartDependency(fault.target);
  }
  return absl::InternalError("unknown fault kind");
}

void FaultRunner::RunOne(size_t index, const Fault& fault) {
  if (!SleepUntil(start_ + std::chrono::milliseconds(fault.start_ms))) return;
  Admit(index, fault);
  if (aborted_) return;
  const std::string name =
      absl::StrCat("fault #", index + 1, " (", KindName(fault.kind), " ", fault.target, ")");
  if (absl::Status s = Inject(fault); !s.ok()) {
    tally_.Violation(absl::StrCat(name, " could not be injected: ", s.message()));
    Release(fault);
    return;
  }
  const Clock::time_point injected = Clock::now();
  tally_.FaultInjected(KindName(fault.kind), fault.target);
  tally_.Log(absl::StrFormat("%s injected at t=+%.1fs (planned +%.1fs)", name, SecondsSince(start_),
                             static_cast<double>(fault.start_ms) / 1000));
  SleepUntil(injected + std::chrono::milliseconds(fault.down_ms));
  absl::Status undone = Undo(fault);
  for (int attempt = 1; !undone.ok() && attempt < kUndoAttempts; ++attempt) {
    tally_.Log(absl::StrCat(name, ": bringing it back failed, trying again: ", undone.message()));
    std::this_thread::sleep_for(kUndoRetryPause);
    undone = Undo(fault);
  }
  if (undone.ok()) {
    tally_.Log(absl::StrFormat("%s undone after %.1fs", name, SecondsSince(injected)));
  } else {
    tally_.Violation(absl::StrCat(name, " could not be undone: ", undone.message()));
  }
  Release(fault);
}

}  // namespace datamesh::thrash
