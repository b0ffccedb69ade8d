// dm-thrash's command line: where the stack is, the seed, how long and how hard to thrash, and
// the bounds of the schedule. Flags only: no DM_* environment fallback, so the command line
// printed at the start (ReplayCommand) is the whole of what makes a run.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/thrash/final_check.h"
#include "tools/thrash/load_client.h"
#include "tools/thrash/schedule.h"

namespace datamesh::thrash {

struct ThrashOptions {
  std::string dir;       // the devstack folder
  std::string bin;       // the service binaries (dm-health among them)
  std::string devstack;  // tools/devstack/devstack
  uint64_t seed = 0;
  absl::Duration duration = absl::Seconds(90);  // the fault window
  int clients = 3;
  absl::Duration settle = absl::Seconds(20);          // load on, faults off, stack healthy
  absl::Duration healthy_timeout = absl::Minutes(3);  // for the stack to be healthy again
  ScheduleOptions schedule;  // seed, profile, window and bounds, filled from the flags
  LoadOptions load;
  FinalOptions final_checks;
};

// Parses argv. INVALID_ARGUMENT naming the flag for bad input; `*help` set (and nothing else
// checked) after --help. A missing --seed is drawn from the clock. `usage` receives the flags'
// description.
[[nodiscard]] absl::StatusOr<ThrashOptions> ParseOptions(int argc, const char* const* argv,
                                                         bool* help, std::string* usage);

// The command line that replays the run: every flag that shapes it, the seed included.
std::string ReplayCommand(const ThrashOptions& options);

}  // namespace datamesh::thrash
