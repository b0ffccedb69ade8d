#include "services/monitoring/metrics_query.h"

#include <gtest/gtest.h>

#include <cstring>

#include "services/monitoring/promql/memory_series_source.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);
const int64_t kNowMs = absl::ToUnixMillis(kNow);

promql::Labels L(std::vector<promql::Label> l) { return promql::MakeLabels(std::move(l)); }

double Stale() {
  const uint64_t bits = 0x7ff0000000000002ull;
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

class MetricsQueryTest : public ::testing::Test {
 protected:
  void Add(const promql::Labels& l, int64_t t, double v) { ASSERT_TRUE(source_.Add(l, t, v).ok()); }
  promql::MemorySeriesSource source_;
};

TEST_F(MetricsQueryTest, TheSnapshotHoldsEachSeriesLatestLiveValue) {
  Add(L({{"__name__", "dm_used_bytes"}, {"node", "b"}}), kNowMs - 20'000, 5);
  Add(L({{"__name__", "dm_used_bytes"}, {"node", "b"}}), kNowMs - 5'000, 6);
  Add(L({{"__name__", "dm_used_bytes"}, {"node", "a"}}), kNowMs - 5'000, 7);
  Add(L({{"__name__", "dm_old"}}), kNowMs - 400'000, 1);  // past the lookback
  Add(L({{"__name__", "dm_ended"}}), kNowMs - 10'000, 1);
  Add(L({{"__name__", "dm_ended"}}), kNowMs - 5'000, Stale());  // ended
  Add(L({{"__name__", "other.x"}}), kNowMs, 1);
  absl::StatusOr<promql::Vector> all = LatestValues(source_, "", {}, kNow);
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].labels, L({{"__name__", "dm_used_bytes"}, {"node", "a"}}));
  EXPECT_EQ((*all)[1].value, 6);
  auto prefixed = LatestValues(source_, "dm_", {{"node", "b"}}, kNow);
  ASSERT_OK(prefixed);
  ASSERT_EQ(prefixed->size(), 1u);
  EXPECT_EQ((*prefixed)[0].value, 6);
  // The prefix is text, not a pattern.
  auto dotted = LatestValues(source_, "other.", {}, kNow);
  ASSERT_OK(dotted);
  EXPECT_EQ(dotted->size(), 1u);
  auto none = LatestValues(source_, "other_", {}, kNow);
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(MetricsQueryTest, StepsAggregateTheSamplesInsideThem) {
  const promql::Labels g = L({{"__name__", "temp"}, {"zone", "z1"}});
  for (int i = 0; i < 6; ++i) Add(g, kNowMs + i * 10'000, i);  // 0..5 every 10 s
  StepQuery q{.name = "temp", .from_ms = kNowMs, .to_ms = kNowMs + 60'000, .step_ms = 30'000};
  for (auto [agg, first, second] :
       std::vector<std::tuple<StepAggregation, double, double>>{{StepAggregation::kAvg, 1, 4},
                                                                {StepAggregation::kMin, 0, 3},
                                                                {StepAggregation::kMax, 2, 5},
                                                                {StepAggregation::kSum, 3, 12},
                                                                {StepAggregation::kLast, 2, 5}}) {
    q.aggregation = agg;
    auto got = QuerySteps(source_, q);
    ASSERT_OK(got);
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ((*got)[0].labels, L({{"zone", "z1"}}));  // without the name
    ASSERT_EQ((*got)[0].points.size(), 2u);
    EXPECT_EQ((*got)[0].points[0].t, kNowMs);
    EXPECT_EQ((*got)[0].points[0].v, first);
    EXPECT_EQ((*got)[0].points[1].t, kNowMs + 30'000);
    EXPECT_EQ((*got)[0].points[1].v, second);
  }
}

TEST_F(MetricsQueryTest, RateCountsResetsAndGroupsAddUp) {
  // Two counters scraped every 10 s; the second resets after 40 s.
  const std::vector<double> a = {0, 10, 20, 30, 40, 50, 60};
  const std::vector<double> b = {100, 110, 120, 130, 5, 15, 25};
  for (int i = 0; i < 7; ++i) {
    Add(L({{"__name__", "req_total"}, {"job", "x"}, {"i", "a"}}), kNowMs + i * 10'000, a[i]);
    Add(L({{"__name__", "req_total"}, {"job", "x"}, {"i", "b"}}), kNowMs + i * 10'000, b[i]);
  }
  StepQuery q{.name = "req_total",
              .from_ms = kNowMs + 10'000,
              .to_ms = kNowMs + 70'000,
              .step_ms = 30'000,
              .aggregation = DefaultAggregation("req_total"),
              .group_by = {"job"}};
  EXPECT_EQ(q.aggregation, StepAggregation::kRate);
  auto got = QuerySteps(source_, q);
  ASSERT_OK(got);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].labels, L({{"job", "x"}}));
  ASSERT_EQ((*got)[0].points.size(), 2u);
  // [10 s, 40 s): a rose 30, b rose 30 -> 60 / 30 s. [40 s, 70 s): a 30, b 5 (reset) + 10 + 10.
  EXPECT_DOUBLE_EQ((*got)[0].points[0].v, 2.0);
  EXPECT_DOUBLE_EQ((*got)[0].points[1].v, 55.0 / 30);
}

TEST_F(MetricsQueryTest, RefusesBadQueries) {
  using ::datamesh::testing::StatusIs;
  EXPECT_THAT(QuerySteps(source_, {.name = "", .from_ms = 0, .to_ms = 1, .step_ms = 1}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(QuerySteps(source_, {.name = "x", .from_ms = 2, .to_ms = 1, .step_ms = 1}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(QuerySteps(source_, {.name = "x", .from_ms = 0, .to_ms = 1, .step_ms = 0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      QuerySteps(source_, {.name = "x", .from_ms = 0, .to_ms = 11'001'000, .step_ms = 1000}),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_OK(QuerySteps(source_, {.name = "x", .from_ms = 0, .to_ms = 11'000'000, .step_ms = 1000}));
}

TEST(MetricsQueryDefaults, StepMakesAboutThreeHundredPoints) {
  EXPECT_EQ(DefaultStepMs(0, 3'600'000), 12'000);
  EXPECT_EQ(DefaultStepMs(0, 1'000), 1'000);
  EXPECT_EQ(DefaultAggregation("used_bytes"), StepAggregation::kAvg);
}

}  // namespace
}  // namespace datamesh::monitoring
