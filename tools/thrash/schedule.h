// The fault schedule of a run, drawn up front from the seed alone: the same seed and options
// give the same schedule, which is printed before anything happens, so a failing run replays.
//
// Each fault takes one target out for a while and brings it back:
//   kill-store    SIGKILL a chunk-store, start it again after `down_ms`
//   pause-store   SIGSTOP a chunk-store, SIGCONT it after `down_ms` (2-20 s)
//   kill-service  SIGKILL file-ingest, dht, quota or auth, start it again after `down_ms`
//   dependency    stop NATS, PostgreSQL or Redis, start it again after `down_ms` (long profile)
// Bounds, held at every moment of the plan: at most `max_stores_down` chunk-stores unavailable
// (RS 4+2 survives two losses, so every acknowledged file stays readable), at most
// `max_others_down` of the other services and dependencies, one fault per target at a time.
// A target counts as unavailable until `restart_allowance_ms` after it is brought back (a
// restart takes a while), and every fault, allowance included, ends inside the window.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace datamesh::thrash {

enum class FaultKind { kKillStore, kPauseStore, kKillService, kDependency };

// "kill-store", "pause-store", "kill-service", "dependency".
const char* KindName(FaultKind kind);

// Chunk-stores are one class of target; everything else (services, dependencies) the other.
inline bool IsStoreFault(FaultKind kind) {
  return kind == FaultKind::kKillStore || kind == FaultKind::kPauseStore;
}

struct Fault {
  int64_t start_ms = 0;  // from the start of the fault window
  int64_t down_ms = 0;   // how long the target stays out before it is brought back
  FaultKind kind = FaultKind::kKillStore;
  std::string target;  // devstack instance or dependency name: "chunk-store-3", "quota", "nats"

  int64_t end_ms() const { return start_ms + down_ms; }
};

enum class Profile { kShort, kLong };

struct ScheduleOptions {
  uint64_t seed = 0;
  Profile profile = Profile::kShort;
  int64_t window_ms = 90'000;  // faults start and end (allowance included) inside [0, window]
  int chunk_stores = 6;        // named chunk-store-1 .. chunk-store-N, as devstack names them
  int max_stores_down = 2;
  int max_others_down = 1;
  int64_t gap_min_ms = 1'000;  // between one fault's start and the next's
  int64_t gap_max_ms = 8'000;
  int64_t kill_min_ms = 1'000;  // a killed chunk-store stays down
  int64_t kill_max_ms = 30'000;
  int64_t pause_min_ms = 2'000;  // a paused chunk-store stays stopped
  int64_t pause_max_ms = 20'000;
  int64_t service_min_ms = 0;  // a killed service stays down
  int64_t service_max_ms = 10'000;
  int64_t dependency_min_ms = 2'000;  // a stopped dependency stays down (long profile)
  int64_t dependency_max_ms = 15'000;
  int64_t restart_allowance_ms = 5'000;
};

// The services a kill-service fault picks from, and the dependencies of the long profile.
const std::vector<std::string>& KillableServices();
const std::vector<std::string>& Dependencies();

// INVALID_ARGUMENT naming the option when the options cannot give a schedule (a minimum over
// its maximum, a bound under 0, fewer chunk-stores than may be down, ...).
[[nodiscard]] absl::Status ValidateScheduleOptions(const ScheduleOptions& options);

// The schedule, sorted by start. `options` must be valid.
std::vector<Fault> MakeSchedule(const ScheduleOptions& options);

// OK when `faults` keep every bound of `options` (see the top of this file); otherwise
// FAILED_PRECONDITION naming the first fault that breaks one, and how.
[[nodiscard]] absl::Status CheckSchedule(const std::vector<Fault>& faults,
                                         const ScheduleOptions& options);

// One line: "t=+12.3s kill chunk-store-4, back after 7.5s".
std::string Describe(const Fault& fault);

}  // namespace datamesh::thrash
