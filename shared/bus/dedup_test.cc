#include "shared/bus/dedup.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

namespace datamesh::bus {
namespace {

TEST(RecentIds, ReportsAnIdOnlyTheFirstTime) {
  RecentIds ids(10);
  EXPECT_TRUE(ids.FirstTime("a"));
  EXPECT_FALSE(ids.FirstTime("a"));
  EXPECT_TRUE(ids.FirstTime("b"));
  EXPECT_FALSE(ids.FirstTime("a"));
  EXPECT_EQ(ids.size(), 2u);
}

TEST(RecentIds, NeverHoldsMoreThanItsCapacity) {
  RecentIds ids(3);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(ids.FirstTime(absl::StrCat("id-", i)));
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids.capacity(), 3u);
}

TEST(RecentIds, EvictsTheOldestFirstSighting) {
  RecentIds ids(3);
  EXPECT_TRUE(ids.FirstTime("a"));
  EXPECT_TRUE(ids.FirstTime("b"));
  EXPECT_TRUE(ids.FirstTime("c"));
  EXPECT_FALSE(ids.FirstTime("a"));  // a repeat does not refresh "a"
  EXPECT_TRUE(ids.FirstTime("d"));   // evicts "a"
  EXPECT_FALSE(ids.FirstTime("b"));
  EXPECT_FALSE(ids.FirstTime("c"));
  EXPECT_FALSE(ids.FirstTime("d"));
  EXPECT_TRUE(ids.FirstTime("a"));  // forgotten, so new again; evicts "b"
  EXPECT_TRUE(ids.FirstTime("b"));
}

TEST(RecentIds, TreatsZeroCapacityAsOne) {
  RecentIds ids(0);
  EXPECT_TRUE(ids.FirstTime("a"));
  EXPECT_FALSE(ids.FirstTime("a"));
  EXPECT_TRUE(ids.FirstTime("b"));
  EXPECT_TRUE(ids.FirstTime("a"));
}

TEST(RecentIds, LongIdsSurviveEvictionOfTheirNeighbours) {
  // Ids longer than the small-string buffer live on the heap; the set's views must follow them.
  RecentIds ids(2);
  const std::string long_a(100, 'a'), long_b(100, 'b'), long_c(100, 'c');
  EXPECT_TRUE(ids.FirstTime(long_a));
  EXPECT_TRUE(ids.FirstTime(long_b));
  EXPECT_TRUE(ids.FirstTime(long_c));
  EXPECT_FALSE(ids.FirstTime(long_b));
  EXPECT_FALSE(ids.FirstTime(long_c));
  EXPECT_TRUE(ids.FirstTime(long_a));
}

TEST(RecentIds, ConcurrentCallersAgreeOnOneFirstSightingPerId) {
  constexpr int kThreads = 8;
  constexpr int kIds = 2000;
  RecentIds ids(kIds);  // large enough that nothing is evicted
  std::atomic<int> firsts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIds; ++i) {
        if (ids.FirstTime(absl::StrCat("event-", i))) firsts.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(firsts.load(), kIds);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kIds));
}

}  // namespace
}  // namespace datamesh::bus
