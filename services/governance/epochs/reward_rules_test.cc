// Table tests of every reward and penalty rule of an epoch's close (reward_rules.h).
#include "services/governance/epochs/reward_rules.h"

#include <gtest/gtest.h>

#include <numeric>

namespace datamesh::governance::epochs {
namespace {

struct SplitCase {
  const char* name;
  int64_t pool;
  std::vector<Weight> weights;
  std::vector<int64_t> want;
};

TEST(RewardRules, SplitsThePoolInProportionAndKeepsTheRemainder) {
  const Weight big = static_cast<Weight>(1) << 100;
  const std::vector<SplitCase> cases = {
      {"equal weights", 100, {1, 1}, {50, 50}},
      {"one to three", 1000, {1, 3}, {250, 750}},
      {"remainder stays in the pool", 100, {1, 1, 1}, {33, 33, 33}},
      {"zero weight earns nothing", 100, {0, 5}, {0, 100}},
      {"all zero: nobody is paid", 100, {0, 0}, {0, 0}},
      {"empty pool", 0, {1, 2}, {0, 0}},
      {"negative pool pays nothing", -5, {1}, {0}},
      {"huge weights are scaled, not overflowed", 1'000'000, {big, big * 3}, {250'000, 750'000}},
      {"tiny beside huge rounds to zero", 1'000'000, {1, big}, {0, 1'000'000}},
  };
  for (const SplitCase& c : cases) {
    std::vector<int64_t> got = SplitPool(c.pool, c.weights);
    EXPECT_EQ(got, c.want) << c.name;
    const int64_t paid = std::accumulate(got.begin(), got.end(), int64_t{0});
    EXPECT_LE(paid, std::max<int64_t>(c.pool, 0)) << c.name;
  }
}

TEST(RewardRules, NodeWeightIsByteSecondsTimesScore) {
  EXPECT_EQ(NodeWeight(1000, 1'000'000), static_cast<Weight>(1'000'000'000));
  EXPECT_EQ(NodeWeight(1000, 500'000), static_cast<Weight>(500'000'000));
  EXPECT_EQ(NodeWeight(1000, 0), static_cast<Weight>(0));
  EXPECT_EQ(NodeWeight(1000, 2'000'000), NodeWeight(1000, 1'000'000)) << "score is clamped";
  EXPECT_EQ(NodeWeight(1000, -1), static_cast<Weight>(0)) << "score is clamped";
}

TEST(RewardRules, HeldBackShareFallsInThreeSteps) {
  struct Case {
    int64_t initial, step, age, want;
  };
  const std::vector<Case> cases = {
      {750'000, 3, 0, 750'000},     {750'000, 3, 2, 750'000}, {750'000, 3, 3, 500'000},
      {750'000, 3, 5, 500'000},     {750'000, 3, 6, 250'000}, {750'000, 3, 8, 250'000},
      {750'000, 3, 9, 0},           {750'000, 3, 100, 0},     {0, 3, 0, 0},
      {1'500'000, 1, 0, 1'000'000},  // clamped to 100%
      {750'000, 0, 50, 750'000},     // no step length: the initial share stays
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HeldBackPpm(c.initial, c.step, c.age), c.want)
        << c.initial << " step " << c.step << " age " << c.age;
  }
}

TEST(RewardRules, SplitHeldGivesTheRoundingToTheOperator) {
  struct Case {
    int64_t earned, ppm, paid, held;
  };
  const std::vector<Case> cases = {
      {1000, 750'000, 250, 750},  {1001, 750'000, 251, 750},
      {3, 500'000, 2, 1},         {1000, 0, 1000, 0},
      {1000, 1'000'000, 0, 1000}, {0, 750'000, 0, 0},
      {-7, 750'000, 0, 0},        {INT64_MAX, 1'000'000, 0, INT64_MAX},
  };
  for (const Case& c : cases) {
    PaySplit s = SplitHeld(c.earned, c.ppm);
    EXPECT_EQ(s.paid, c.paid) << c.earned << " at " << c.ppm;
    EXPECT_EQ(s.held, c.held) << c.earned << " at " << c.ppm;
  }
}

TEST(RewardRules, UptimeIsAShareOfTheEpochCappedAtAll) {
  EXPECT_EQ(UptimePpm(50, 100), 500'000);
  EXPECT_EQ(UptimePpm(100, 100), 1'000'000);
  EXPECT_EQ(UptimePpm(130, 100), 1'000'000);
  EXPECT_EQ(UptimePpm(0, 100), 0);
  EXPECT_EQ(UptimePpm(10, 0), 0);
  EXPECT_EQ(UptimePpm(1, 3), 333'333);
}

TEST(RewardRules, DowntimeSlashesOnlyBelowTheThreshold) {
  struct Case {
    int64_t staked, uptime, min_uptime, slash_ppm, want;
  };
  const std::vector<Case> cases = {
      {1'000'000, 949'999, 950'000, 10'000, 10'000},  // just below: 1%
      {1'000'000, 950'000, 950'000, 10'000, 0},       // at the threshold: kept
      {1'000'000, 0, 950'000, 1'000'000, 1'000'000},  // everything
      {99, 0, 950'000, 10'000, 0},                    // floor of 0.99
      {0, 0, 950'000, 10'000, 0},                     // nothing staked
      {1'000'000, 0, 0, 10'000, 0},                   // threshold 0 never slashes
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DowntimeSlash(c.staked, c.uptime, c.min_uptime, c.slash_ppm), c.want)
        << c.staked << " uptime " << c.uptime;
  }
}

}  // namespace
}  // namespace datamesh::governance::epochs
