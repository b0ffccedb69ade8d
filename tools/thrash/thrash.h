// One thrash run against a running devstack: print the seed, the replay command and the
// schedule; set up the clients' users; run the load while the faults are injected and undone;
// wait for the stack to be healthy; let the load run a settle period; stop it; check every
// client's files (final_check.h); print the summary.
#pragma once

#include <atomic>

#include "tools/thrash/options.h"

namespace datamesh::thrash {

// Exit codes of dm-thrash.
inline constexpr int kExitPassed = 0;
inline constexpr int kExitViolations = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitStackUnusable = 3;  // not healthy at the start, users not set up
inline constexpr int kExitInterrupted = 130;

// Runs the whole thing; returns the exit code. `interrupted` (set from a signal) stops the run
// early: faults are undone, the load stops, no final check is made.
int RunThrash(const ThrashOptions& options, const std::atomic<bool>& interrupted);

}  // namespace datamesh::thrash
