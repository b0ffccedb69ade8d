// WorkerPool: jobs run on a fixed number of threads, Submit waits while the queue is full,
// results and exceptions come back through futures, and queued jobs still run at destruction.
#include "services/file-ingest/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "absl/synchronization/notification.h"
#include "shared/testing/wait_for.h"

namespace datamesh::file_ingest {
namespace {

TEST(WorkerPoolTest, ReturnsResultsAndExceptionsThroughFutures) {
  WorkerPool pool("test", 2, 4);
  std::future<int> six = pool.Submit([] { return 2 * 3; });
  std::future<void> thrown = pool.Submit([] { throw std::runtime_error("boom"); });
  EXPECT_EQ(six.get(), 6);
  EXPECT_THROW(thrown.get(), std::runtime_error);
}

TEST(WorkerPoolTest, RunsNoMoreJobsAtOnceThanItHasThreads) {
  WorkerPool pool("test", 3, 100);
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  std::vector<std::future<void>> jobs;
  for (int i = 0; i < 40; ++i) {
    jobs.push_back(pool.Submit([&] {
      int now = ++running;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      --running;
    }));
  }
  for (auto& j : jobs) j.get();
  EXPECT_LE(most.load(), 3);
  EXPECT_GE(most.load(), 1);
}

TEST(WorkerPoolTest, SubmitWaitsWhileTheQueueIsFull) {
  WorkerPool pool("test", 1, 2);
  absl::Notification release;
  // One job holds the only thread; two more fill the queue.
  std::vector<std::future<void>> jobs;
  for (int i = 0; i < 3; ++i) jobs.push_back(pool.Submit([&] { release.WaitForNotification(); }));
  ASSERT_TRUE(testing::WaitFor([&] { return pool.queued() == 2; }, absl::Seconds(10)));
  std::atomic<bool> fourth_queued{false};
  std::thread producer([&] {
    jobs.push_back(pool.Submit([] {}));
    fourth_queued = true;
  });
  // While nothing runs, the queue stays full and the fourth Submit stays blocked.
  for (int i = 0; i < 50; ++i) {
    EXPECT_FALSE(fourth_queued.load());
    EXPECT_EQ(pool.queued(), 2u);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  release.Notify();
  producer.join();
  EXPECT_TRUE(fourth_queued.load());
  for (auto& j : jobs) j.get();
  EXPECT_EQ(pool.queued(), 0u);
}

TEST(WorkerPoolTest, RunsEveryQueuedJobBeforeItIsDestroyed) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool("test", 1, 64);
    for (int i = 0; i < 20; ++i) pool.Submit([&] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 20);
}

TEST(TransferPoolsTest, DefaultsFollowTheCoresAndFlagsOverrideThem) {
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  TransferPools defaults(TransferPoolSizes{});
  EXPECT_EQ(defaults.coding().threads(), cores);
  EXPECT_EQ(defaults.coding().max_queued(), static_cast<size_t>(cores));
  EXPECT_EQ(defaults.segments().threads(), 4 * cores);
  EXPECT_EQ(defaults.shard_io().threads(), 64);
  TransferPools sized(TransferPoolSizes{1, 2, 3});
  EXPECT_EQ(sized.coding().threads(), 1);
  EXPECT_EQ(sized.segments().threads(), 2);
  EXPECT_EQ(sized.shard_io().threads(), 3);
  EXPECT_EQ(sized.shard_io().max_queued(), 3u);
}

}  // namespace
}  // namespace datamesh::file_ingest
