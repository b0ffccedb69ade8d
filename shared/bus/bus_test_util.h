// Test helpers for shared/bus integration tests: a thread-safe inbox that handlers fill and
// tests wait on, and a polling wait for server-side state. Test-only.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace datamesh::bus::testing {

inline constexpr absl::Duration kWait = absl::Seconds(15);

// Collects values from handler threads.
template <typename T>
class Inbox {
 public:
  void Add(T value) {
    absl::MutexLock lock(&mu_);
    items_.push_back(std::move(value));
  }

  // True once at least `count` values arrived; false after `timeout`.
  bool WaitFor(size_t count, absl::Duration timeout = kWait) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, count]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return items_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
  }

  std::vector<T> Items() {
    absl::MutexLock lock(&mu_);
    return items_;
  }

  size_t size() {
    absl::MutexLock lock(&mu_);
    return items_.size();
  }

 private:
  absl::Mutex mu_;
  std::vector<T> items_ ABSL_GUARDED_BY(mu_);
};

// For state only observable by asking the server: polls `done` every 20 ms until it holds.
inline bool Eventually(const std::function<bool()>& done, absl::Duration timeout = kWait) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

}  // namespace datamesh::bus::testing
