#include "services/monitoring/promql/engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "services/monitoring/promql/memory_series_source.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::promql {
namespace {

using ::datamesh::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int64_t kS = 1000;

Labels L(std::vector<Label> labels) { return MakeLabels(std::move(labels)); }

class PromqlEngine : public ::testing::Test {
 protected:
  void Add(const Labels& labels, int64_t t, double v) { ASSERT_OK(source_.Add(labels, t, v)); }

  Vector Instant(std::string_view query, int64_t t) {
    absl::StatusOr<QueryResult> r = Engine(source_).InstantQuery(query, t);
    EXPECT_OK(r) << query;
    return r.ok() ? r->vector : Vector{};
  }

  // The single value an instant query returns, or NaN with a failure when it is not one.
  double One(std::string_view query, int64_t t) {
    const Vector v = Instant(query, t);
    EXPECT_EQ(v.size(), 1u) << query;
    return v.size() == 1 ? v[0].value : NAN;
  }

  MemorySeriesSource source_;
};

TEST_F(PromqlEngine, InstantSelectorsLookBackFiveMinutesInclusive) {
  Add(L({{"__name__", "x"}}), 0, 7);
  EXPECT_EQ(One("x", 300 * kS), 7);
  EXPECT_TRUE(Instant("x", 300 * kS + 1).empty());
  EXPECT_TRUE(Instant("x", -1).empty());
  EXPECT_EQ(One("x offset 1m", 360 * kS), 7);
}

TEST_F(PromqlEngine, AStalenessMarkerEndsASeriesAtOnce) {
  double stale;
  const uint64_t bits = 0x7ff0000000000002ull;
  std::memcpy(&stale, &bits, sizeof stale);
  Add(L({{"__name__", "x"}}), 0, 1);
  Add(L({{"__name__", "x"}}), 15 * kS, 2);
  Add(L({{"__name__", "x"}}), 30 * kS, stale);
  EXPECT_EQ(One("x", 29 * kS), 2);
  EXPECT_TRUE(Instant("x", 31 * kS).empty());
  EXPECT_EQ(One("count_over_time(x[1m])", 31 * kS), 2);  // the marker is not a sample
}

TEST_F(PromqlEngine, RateAndIncreaseExtrapolateToTheWindowEdges) {
  // Samples at 5 s, 15 s ... 55 s: 10, 20 ... 60. At t = 60 s the 1-minute window is [0, 60]:
  // 50 over 50 s sampled, extrapolated 5 s at each end (under 1.1 intervals) -> 60 over 60 s.
  for (int i = 0; i < 6; ++i) Add(L({{"__name__", "c"}}), (5 + 10 * i) * kS, 10.0 * (i + 1));
  EXPECT_DOUBLE_EQ(One("increase(c[1m])", 60 * kS), 60);
  EXPECT_DOUBLE_EQ(One("rate(c[1m])", 60 * kS), 1);
  EXPECT_DOUBLE_EQ(One("irate(c[1m])", 60 * kS), 1);
  // Window [30, 90]: samples at 35, 45, 55 s (40, 50, 60): 20 over 20 s sampled, 5 s to the
  // start, 35 s to the end (over 1.1 intervals: half an interval instead) -> 20 * 30/20.
  EXPECT_DOUBLE_EQ(One("increase(c[1m])", 90 * kS), 30);
  EXPECT_TRUE(Instant("rate(c[1m])", 200 * kS).empty());  // fewer than two samples
}

TEST_F(PromqlEngine, CounterResetsCountWhatCameBefore) {
  const double values[] = {10, 20, 5, 15};
  for (int i = 0; i < 4; ++i) Add(L({{"__name__", "c"}}), (5 + 10 * i) * kS, values[i]);
  // 15 - 10 + 20 (the reset) = 25 over 30 s sampled; to zero from 10 would be 12 s (> 5 s).
  // Window [0, 40]: 5 s to the start, 5 s to the end -> 25 * 40/30.
  EXPECT_DOUBLE_EQ(One("increase(c[40s])", 40 * kS), 25.0 * 40 / 30);
  EXPECT_DOUBLE_EQ(One("irate(c[40s])", 40 * kS), 1);  // 15 - 5 over 10 s
}

TEST_F(PromqlEngine, OverTimeFunctionsAndRegression) {
  // y = 2 t + 1 (t in seconds) every 10 s from 0 to 100.
  for (int t = 0; t <= 100; t += 10) Add(L({{"__name__", "g"}, {"k", "v"}}), t * kS, 2.0 * t + 1);
  EXPECT_DOUBLE_EQ(One("deriv(g[1m])", 100 * kS), 2);
  EXPECT_NEAR(One("predict_linear(g[1m], 30)", 100 * kS), 2 * 130 + 1, 1e-9);
  EXPECT_DOUBLE_EQ(One("avg_over_time(g[30s])", 100 * kS), (141 + 161 + 181 + 201) / 4.0);
  EXPECT_DOUBLE_EQ(One("sum_over_time(g[30s])", 100 * kS), 141 + 161 + 181 + 201);
  EXPECT_DOUBLE_EQ(One("min_over_time(g[30s])", 100 * kS), 141);
  EXPECT_DOUBLE_EQ(One("max_over_time(g[30s])", 100 * kS), 201);
  EXPECT_DOUBLE_EQ(One("count_over_time(g[30s])", 100 * kS), 4);
  EXPECT_NEAR(One("stddev_over_time(g[30s])", 100 * kS), std::sqrt(500.0), 1e-9);
  const Vector v = Instant("avg_over_time(g[30s])", 100 * kS);
  EXPECT_EQ(v[0].labels, L({{"k", "v"}}));  // the name is dropped
}

TEST_F(PromqlEngine, AbsentNamesTheMissingSeriesFromItsEqualityMatchers) {
  Add(L({{"__name__", "up"}, {"service", "dht"}}), 0, 1);
  EXPECT_TRUE(Instant(R"(absent(up{service="dht"}))", 60 * kS).empty());
  const Vector missing = Instant(R"(absent(up{service="auth", instance=~"a.*"}))", 60 * kS);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].labels, L({{"service", "auth"}}));
  EXPECT_EQ(missing[0].value, 1);
  // Past the lookback the dht's series is gone too; a non-selector argument gives no labels.
  EXPECT_EQ(Instant("absent(sum(up))", 400 * kS).at(0).labels, Labels{});
  EXPECT_TRUE(Instant(R"(absent_over_time(up{service="dht"}[10m]))", 400 * kS).empty());
  EXPECT_EQ(One(R"(absent_over_time(up{service="dht"}[5m]))", 400 * kS), 1);
}

TEST_F(PromqlEngine, HistogramQuantileInterpolatesInsideTheBucket) {
  const std::pair<const char*, double> buckets[] = {
      {"0.1", 10}, {"0.5", 30}, {"1", 40}, {"+Inf", 40}};
  for (const auto& [le, count] : buckets) {
    Add(L({{"__name__", "h_bucket"}, {"job", "a"}, {"le", le}}), 0, count);
  }
  // Rank 20 of 40 lies in (0.1, 0.5] holding 20: halfway -> 0.3.
  EXPECT_DOUBLE_EQ(One("histogram_quantile(0.5, h_bucket)", 0), 0.3);
  EXPECT_DOUBLE_EQ(One("histogram_quantile(1, h_bucket)", 0), 1);  // the +Inf bucket
  EXPECT_EQ(One("histogram_quantile(2, h_bucket)", 0), INFINITY);
  EXPECT_EQ(Instant("histogram_quantile(0.5, h_bucket)", 0)[0].labels, L({{"job", "a"}}));
}

TEST_F(PromqlEngine, RangeQueriesEvaluateEveryStep) {
  for (int t = 0; t <= 60; t += 15) Add(L({{"__name__", "x"}, {"a", "1"}}), t * kS, t);
  absl::StatusOr<QueryResult> r = Engine(source_).RangeQuery("x * 2", 0, 60 * kS, 30 * kS);
  ASSERT_OK(r);
  ASSERT_EQ(r->type, ValueType::kMatrix);
  ASSERT_EQ(r->matrix.size(), 1u);
  EXPECT_EQ(r->matrix[0].labels, L({{"a", "1"}}));
  ASSERT_EQ(r->matrix[0].points.size(), 3u);
  EXPECT_EQ(r->matrix[0].points[1].t, 30 * kS);
  EXPECT_EQ(r->matrix[0].points[1].v, 60);
  absl::StatusOr<QueryResult> scalar = Engine(source_).RangeQuery("time()", 0, 20 * kS, 10 * kS);
  ASSERT_OK(scalar);
  ASSERT_EQ(scalar->matrix.size(), 1u);
  EXPECT_TRUE(scalar->matrix[0].labels.empty());
  EXPECT_EQ(scalar->matrix[0].points[2].v, 20);
}

TEST_F(PromqlEngine, RefusesBadRangesAndLimits) {
  Add(L({{"__name__", "x"}}), 0, 1);
  Add(L({{"__name__", "x"}}), 1, 1);
  const Engine engine(source_);
  EXPECT_THAT(engine.RangeQuery("x", 0, 10, 0), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(engine.RangeQuery("x", 10, 0, 1), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(engine.RangeQuery("x", 0, 11'001, 1), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_OK(engine.RangeQuery("x", 0, 11'000, 1));
  absl::StatusOr<QueryResult> matrix = engine.RangeQuery("x[1m]", 0, 10, 1);
  EXPECT_THAT(matrix, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(matrix.status().message(), HasSubstr("invalid expression type \"range vector\""));
  EXPECT_THAT(Engine(source_, EngineOptions{.max_samples = 1}).InstantQuery("x", 1),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_F(PromqlEngine, InstantQueriesReturnEveryValueType) {
  Add(L({{"__name__", "x"}}), 0, 1);
  Add(L({{"__name__", "x"}}), 10 * kS, 2);
  const Engine engine(source_);
  absl::StatusOr<QueryResult> m = engine.InstantQuery("x[1m]", 10 * kS);
  ASSERT_OK(m);
  EXPECT_EQ(m->type, ValueType::kMatrix);
  ASSERT_EQ(m->matrix.size(), 1u);
  EXPECT_EQ(m->matrix[0].points.size(), 2u);
  EXPECT_EQ(m->matrix[0].labels, L({{"__name__", "x"}}));  // selectors keep the name
  absl::StatusOr<QueryResult> s = engine.InstantQuery("\"hello\"", 0);
  ASSERT_OK(s);
  EXPECT_EQ(s->type, ValueType::kString);
  EXPECT_EQ(s->string, "hello");
  absl::StatusOr<QueryResult> sc = engine.InstantQuery("scalar(x) * 3", 10 * kS);
  ASSERT_OK(sc);
  EXPECT_EQ(sc->scalar, 6);
}

}  // namespace
}  // namespace datamesh::monitoring::promql
