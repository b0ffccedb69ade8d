// WaitFor: polls a condition that only asking can observe (a service's state, a file on disk)
// until it holds or the timeout passes. The one "poll until" of the integration suites: tests
// wait on conditions, never on bare sleeps.
#pragma once

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace datamesh::testing {

// True once `done` returned true; false if it still does not after `timeout` (checked one last
// time at the end). Polls every `every`.
inline bool WaitFor(const std::function<bool()>& done, absl::Duration timeout,
                    absl::Duration every = absl::Milliseconds(200)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(every);
  }
  return done();
}

}  // namespace datamesh::testing
