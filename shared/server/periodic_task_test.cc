#include "shared/server/periodic_task.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace datamesh::server {
namespace {

TEST(PeriodicTask, RunsAtOnceAndAgainWhenTriggered) {
  std::mutex mu;
  std::condition_variable cv;
  int runs = 0;
  // A long interval: any second run must come from TriggerNow, not from the timer.
  PeriodicTask task(absl::Hours(1), [&] {
    std::lock_guard<std::mutex> lock(mu);
    ++runs;
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return runs >= 1; });
  lock.unlock();
  task.TriggerNow();
  lock.lock();
  cv.wait(lock, [&] { return runs >= 2; });
  EXPECT_EQ(runs, 2);
}

TEST(PeriodicTask, StopReturnsWithoutWaitingOutTheInterval) {
  std::atomic<int> runs{0};
  auto task = std::make_unique<PeriodicTask>(absl::Hours(1), [&] { ++runs; });
  task->Stop();  // would hang for an hour if Stop did not wake the thread
  int after_stop = runs.load();
  task->Stop();  // idempotent
  task.reset();
  EXPECT_LE(after_stop, 1);
  EXPECT_EQ(runs.load(), after_stop);
}

}  // namespace
}  // namespace datamesh::server
