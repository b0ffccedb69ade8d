// PeriodicTask: runs a function on its own thread every `interval` until stopped. Used for
// heartbeats, readiness probes and background sweeps. Stop() wakes the thread at once, so
// shutdown never waits out an interval.
//
// Thread-safe: Stop() and TriggerNow() may be called from any thread. The function runs on the
// task's thread only, never concurrently with itself.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/time/time.h"

namespace datamesh::server {

class PeriodicTask {
 public:
  // Starts the thread; the first run happens at once.
  PeriodicTask(absl::Duration interval, std::function<void()> fn);
  ~PeriodicTask();  // Stop()
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Asks for a run now instead of at the end of the current interval.
  void TriggerNow();
  // Stops and joins; a run in progress finishes first. Idempotent.
  void Stop();

 private:
  void Loop();

  const absl::Duration interval_;
  const std::function<void()> fn_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool triggered_ = false;
  std::thread thread_;
};

}  // namespace datamesh::server
