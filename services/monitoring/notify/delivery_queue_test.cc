#include "services/monitoring/notify/delivery_queue.h"

#include <gtest/gtest.h>

#include <atomic>

#include "prometheus/registry.h"
#include "shared/testing/wait_for.h"

namespace datamesh::monitoring::notify {
namespace {

TEST(Backoff, DoublesUpToTheCapWithJitterBetweenHalfAndAll) {
  const absl::Duration initial = absl::Milliseconds(500), cap = absl::Seconds(30);
  EXPECT_EQ(Backoff(1, initial, cap, 1.0), absl::Milliseconds(500));
  EXPECT_EQ(Backoff(2, initial, cap, 1.0), absl::Seconds(1));
  EXPECT_EQ(Backoff(3, initial, cap, 1.0), absl::Seconds(2));
  EXPECT_EQ(Backoff(7, initial, cap, 1.0), absl::Seconds(30));   // 32 s capped
  EXPECT_EQ(Backoff(99, initial, cap, 1.0), absl::Seconds(30));  // no overflow
  EXPECT_EQ(Backoff(3, initial, cap, 0.0), absl::Seconds(1));    // half at the least
  EXPECT_EQ(Backoff(3, initial, cap, 0.5), absl::Milliseconds(1500));
}

TEST(IsRetryable, OnlyTransientFailures) {
  EXPECT_TRUE(IsRetryable(absl::UnavailableError("503")));
  EXPECT_TRUE(IsRetryable(absl::DeadlineExceededError("timeout")));
  EXPECT_FALSE(IsRetryable(absl::FailedPreconditionError("404")));
}

double Count(prometheus::Registry& r, const std::string& outcome) {
  for (const auto& family : r.Collect()) {
    if (family.name != "datamesh_monitoring_notifications_total") continue;
    for (const auto& m : family.metric) {
      for (const auto& l : m.label) {
        if (l.name == "outcome" && l.value == outcome) return m.counter.value;
      }
    }
  }
  return -1;
}

class DeliveryQueueTest : public ::testing::Test {
 protected:
  prometheus::Registry registry_;
  prometheus::Family<prometheus::Counter>& outcomes_ =
      prometheus::BuildCounter()
          .Name("datamesh_monitoring_notifications_total")
          .Register(registry_);
};

TEST_F(DeliveryQueueTest, RetriesATransientFailureUntilItSucceeds) {
  DeliveryQueue q("ops",
                  {.initial_backoff = absl::Milliseconds(1), .max_backoff = absl::Milliseconds(4)},
                  outcomes_);
  std::atomic<int> calls{0};
  q.Push("g", [&] { return ++calls < 3 ? absl::UnavailableError("503") : absl::OkStatus(); });
  ASSERT_TRUE(testing::WaitFor([&] { return Count(registry_, "sent") == 1; }, absl::Seconds(10)));
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(Count(registry_, "retried"), 2);
  EXPECT_EQ(Count(registry_, "failed"), 0);
}

TEST_F(DeliveryQueueTest, APermanentFailureIsNotRetried) {
  DeliveryQueue q("ops", {.initial_backoff = absl::Milliseconds(1)}, outcomes_);
  std::atomic<int> calls{0};
  q.Push("g", [&] {
    ++calls;
    return absl::FailedPreconditionError("404");
  });
  ASSERT_TRUE(testing::WaitFor([&] { return Count(registry_, "failed") == 1; }, absl::Seconds(10)));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(DeliveryQueueTest, GivesUpAtTheDeadline) {
  DeliveryQueue q("ops",
                  {.retry_deadline = absl::Milliseconds(50),
                   .initial_backoff = absl::Milliseconds(5),
                   .max_backoff = absl::Milliseconds(10)},
                  outcomes_);
  q.Push("g", [] { return absl::UnavailableError("down"); });
  ASSERT_TRUE(testing::WaitFor([&] { return Count(registry_, "failed") == 1; }, absl::Seconds(10)));
  EXPECT_GE(Count(registry_, "retried"), 1);
}

TEST_F(DeliveryQueueTest, AFullQueueDropsTheOldestAndStopDoesNotWaitOutARetry) {
  DeliveryQueue q("ops",
                  {.capacity = 2,
                   .retry_deadline = absl::Hours(3),
                   .initial_backoff = absl::Hours(1),
                   .max_backoff = absl::Hours(1)},
                  outcomes_);
  std::atomic<bool> started{false};
  // The first job fails and waits an hour to retry: the receiver is dead.
  q.Push("dead", [&] {
    started = true;
    return absl::UnavailableError("down");
  });
  ASSERT_TRUE(testing::WaitFor([&] { return started.load(); }, absl::Seconds(10)));
  for (int i = 0; i < 3; ++i) q.Push("waiting", [] { return absl::OkStatus(); });
  EXPECT_EQ(Count(registry_, "dropped"), 1);
  EXPECT_EQ(q.pending(), 3u);  // two waiting and the one retrying
  q.Stop();                    // returns at once
  EXPECT_EQ(Count(registry_, "dropped"), 4);
  EXPECT_EQ(Count(registry_, "sent"), 0);
}

}  // namespace
}  // namespace datamesh::monitoring::notify
