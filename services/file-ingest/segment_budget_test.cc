// SegmentBudget: grants within the capacity at once, waits past it until bytes come back,
// serves waiters in arrival order, and lets a charge over the whole capacity through alone.
#include "services/file-ingest/segment_budget.h"

#include <gtest/gtest.h>

#include <future>
#include <optional>

#include "prometheus/registry.h"
#include "shared/testing/wait_for.h"

namespace datamesh::file_ingest {
namespace {

using datamesh::testing::WaitFor;

constexpr absl::Duration kPatience = absl::Seconds(30);

// Acquire on another thread; the grant comes back through the future.
std::future<SegmentBudget::Grant> AcquireAsync(SegmentBudget& budget, uint64_t bytes) {
  return std::async(std::launch::async, [&budget, bytes] { return budget.Acquire(bytes); });
}

bool Ready(std::future<SegmentBudget::Grant>& f) {
  return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

TEST(SegmentBudgetTest, GrantsWithinTheCapacityAtOnceAndTakesThemBackWhenReleased) {
  SegmentBudget budget(100);
  SegmentBudget::Grant a = budget.Acquire(40);
  {
    SegmentBudget::Grant b = budget.Acquire(60);
    EXPECT_EQ(budget.held(), 100u);
  }
  EXPECT_EQ(budget.held(), 40u);
  SegmentBudget::Grant moved = std::move(a);
  EXPECT_FALSE(a.held());  // NOLINT(bugprone-use-after-move): the point of the check
  EXPECT_EQ(budget.held(), 40u);
  moved.Release();
  EXPECT_EQ(budget.held(), 0u);
}

TEST(SegmentBudgetTest, AnAcquirePastTheCapacityWaitsUntilBytesComeBack) {
  prometheus::Registry metrics;
  SegmentBudget budget(100, &metrics);
  std::optional<SegmentBudget::Grant> first(budget.Acquire(80));
  std::future<SegmentBudget::Grant> second = AcquireAsync(budget, 40);
  ASSERT_TRUE(WaitFor([&] { return budget.waiting() == 1; }, kPatience));
  EXPECT_FALSE(Ready(second));
  EXPECT_EQ(budget.held(), 80u);
  first.reset();
  SegmentBudget::Grant got = second.get();
  EXPECT_TRUE(got.held());
  EXPECT_EQ(budget.held(), 40u);
  EXPECT_EQ(budget.waiting(), 0);
}

TEST(SegmentBudgetTest, ShrinkingAGrantLetsAWaiterInAndReleasesOnlyWhatIsLeft) {
  SegmentBudget budget(100);
  SegmentBudget::Grant segment = budget.Acquire(80);
  std::future<SegmentBudget::Grant> next = AcquireAsync(budget, 50);
  ASSERT_TRUE(WaitFor([&] { return budget.waiting() == 1; }, kPatience));
  segment.ShrinkTo(120);  // more than it holds: nothing changes
  EXPECT_EQ(segment.bytes(), 80u);
  EXPECT_FALSE(Ready(next));
  segment.ShrinkTo(30);  // the plaintext went, the shard block stays
  SegmentBudget::Grant got = next.get();
  EXPECT_EQ(budget.held(), 80u);
  segment.Release();
  EXPECT_EQ(budget.held(), 50u);
}

TEST(SegmentBudgetTest, WaitersAreServedInArrivalOrder) {
  SegmentBudget budget(100);
  std::optional<SegmentBudget::Grant> held(budget.Acquire(90));
  std::future<SegmentBudget::Grant> big = AcquireAsync(budget, 50);
  ASSERT_TRUE(WaitFor([&] { return budget.waiting() == 1; }, kPatience));
  // 5 bytes would fit, but the earlier, larger request goes first: it is not starved.
  std::future<SegmentBudget::Grant> small = AcquireAsync(budget, 5);
  ASSERT_TRUE(WaitFor([&] { return budget.waiting() == 2; }, kPatience));
  EXPECT_FALSE(Ready(small));
  EXPECT_EQ(budget.held(), 90u);
  held.reset();
  SegmentBudget::Grant b = big.get();
  SegmentBudget::Grant s = small.get();
  EXPECT_EQ(budget.held(), 55u);
}

TEST(SegmentBudgetTest, TryAcquireNeverWaitsNorJumpsTheLine) {
  SegmentBudget budget(100);
  std::optional<SegmentBudget::Grant> held(budget.Acquire(70));
  EXPECT_TRUE(budget.TryAcquire(30).held());   // fits: granted (and released at once)
  EXPECT_FALSE(budget.TryAcquire(31).held());  // does not fit: empty, no wait
  std::future<SegmentBudget::Grant> waiter = AcquireAsync(budget, 50);
  ASSERT_TRUE(WaitFor([&] { return budget.waiting() == 1; }, kPatience));
  EXPECT_FALSE(budget.TryAcquire(1).held());  // would fit, but someone is waiting
  held.reset();
  EXPECT_TRUE(waiter.get().held());
  EXPECT_EQ(budget.held(), 0u);
}

TEST(SegmentBudgetTest, AChargeOverTheWholeCapacityGoesThroughAlone) {
  SegmentBudget budget(10);
  std::optional<SegmentBudget::Grant> huge(budget.Acquire(50));  // nothing held: granted
  EXPECT_EQ(budget.held(), 50u);
  std::future<SegmentBudget::Grant> next = AcquireAsync(budget, 1);
  ASSERT_TRUE(WaitFor([&] { return budget.waiting() == 1; }, kPatience));
  EXPECT_FALSE(Ready(next));
  huge.reset();
  EXPECT_TRUE(next.get().held());
}

}  // namespace
}  // namespace datamesh::file_ingest
