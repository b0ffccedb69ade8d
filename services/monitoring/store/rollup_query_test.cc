// The engine over rollups answers as over the raw samples they came from: exactly for
// count/sum/min/max_over_time, within rounding for avg_over_time, rate and increase (counter
// resets inside and between intervals included); and a query reads raw samples where they
// exist, rollups before, choosing the resolution by step and age.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "services/monitoring/promql/engine.h"
#include "services/monitoring/promql/memory_series_source.h"
#include "services/monitoring/promql/rollup_eval.h"
#include "services/monitoring/store/rolled_up_source.h"

namespace datamesh::monitoring::store {
namespace {

using promql::StorageLayout;

constexpr int64_t kT0 = 1'700'006'400'000;  // a multiple of an hour
constexpr int64_t kHour = 3'600'000;

// Two days of a counter with resets (one inside an interval, one at an interval's edge), a
// byte gauge and a noisy float gauge, scraped every 15 s with jitter; no sample falls on an
// interval boundary, where a window [t - r, t] and the intervals inside it would differ.
promql::MemorySeriesSource TwoDays() {
  promql::MemorySeriesSource raw;
  double counter = 0;
  for (int i = 0; i < 2 * 24 * 240; ++i) {
    const int64_t t = kT0 + 7'000 + 15'000 * i + (i * 7919) % 11 - 5;
    counter = (i == 1'000 || i == 3'007) ? 2 : counter + (i % 5) * 0.25;
    for (int instance = 0; instance < 3; ++instance) {
      const std::string inst = std::to_string(instance);
      (void)raw.Add(promql::MakeLabels({{"__name__", "req_total"}, {"instance", inst}}), t,
                    counter * (instance + 1));
      (void)raw.Add(promql::MakeLabels({{"__name__", "used_bytes"}, {"instance", inst}}), t,
                    4096.0 * (1000 + (i * (instance + 3)) % 97));
      (void)raw.Add(promql::MakeLabels({{"__name__", "load"}, {"instance", inst}}), t,
                    0.5 + 0.25 * std::sin(i / 9.0 + instance));
    }
  }
  return raw;
}

StorageLayout RollupsOnly() {
  // Raw samples nowhere: every window reads rollups.
  return StorageLayout{.raw_since_ms = std::numeric_limits<int64_t>::max(),
                       .rollups = {{300'000, std::numeric_limits<int64_t>::min()},
                                   {kHour, std::numeric_limits<int64_t>::min()}}};
}

void ExpectSameAnswers(const promql::QueryResult& raw, const promql::QueryResult& rolled,
                       double relative, const std::string& query) {
  ASSERT_EQ(raw.matrix.size(), rolled.matrix.size()) << query;
  size_t points = 0;
  for (size_t i = 0; i < raw.matrix.size(); ++i) {
    EXPECT_EQ(raw.matrix[i].labels, rolled.matrix[i].labels) << query;
    ASSERT_EQ(raw.matrix[i].points.size(), rolled.matrix[i].points.size()) << query;
    for (size_t j = 0; j < raw.matrix[i].points.size(); ++j) {
      const double a = raw.matrix[i].points[j].v, b = rolled.matrix[i].points[j].v;
      EXPECT_EQ(raw.matrix[i].points[j].t, rolled.matrix[i].points[j].t) << query;
      if (relative == 0) {
        EXPECT_EQ(a, b) << query << " at step " << j;
      } else {
        EXPECT_NEAR(a, b, relative * std::max(1.0, std::fabs(a))) << query << " at step " << j;
      }
      ++points;
    }
  }
  EXPECT_GT(points, 0u) << query;
}

TEST(RollupQuery, AggregatesOverRollupsEqualTheRawAnswer) {
  const promql::MemorySeriesSource raw = TwoDays();
  const RolledUpSource rolled(raw, RollupsOnly());
  const promql::Engine on_raw(raw), on_rollups(rolled);
  const int64_t start = kT0 + 2 * kHour, end = kT0 + 46 * kHour;
  struct Case {
    std::string query;
    int64_t step;
    double relative;  // 0: exact
  };
  const std::vector<Case> cases = {
      {"count_over_time(load[1h])", kHour, 0},
      {"sum_over_time(used_bytes[1h])", kHour, 0},
      {"min_over_time(load[30m])", 300'000 * 6, 0},
      {"max_over_time(req_total[2h])", kHour, 0},
      {"max_over_time(load[5m])", 300'000, 0},
      {"avg_over_time(load[1h])", kHour, 1e-12},
      {"avg_over_time(used_bytes[15m])", 300'000 * 3, 1e-12},
      {"rate(req_total[1h])", kHour, 1e-12},
      {"increase(req_total[10m])", 600'000, 1e-12},
      {"sum by (instance) (rate(req_total[5m]))", 300'000, 1e-12},
      {"sum(increase(req_total[1h]))", kHour, 1e-12},
  };
  for (const Case& c : cases) {
    absl::StatusOr<promql::QueryResult> a = on_raw.RangeQuery(c.query, start, end, c.step);
    absl::StatusOr<promql::QueryResult> b = on_rollups.RangeQuery(c.query, start, end, c.step);
    ASSERT_TRUE(a.ok() && b.ok()) << c.query << ": " << a.status() << " " << b.status();
    ExpectSameAnswers(*a, *b, c.relative, c.query);
  }
  // The 1-hour steps read the 1-hour rollups, the 5-minute windows the 5-minute ones.
  EXPECT_GT(rolled.rollup_reads.at(kHour), 0);
  EXPECT_GT(rolled.rollup_reads.at(300'000), 0);
}

TEST(RollupQuery, ResetsInsideAndBetweenIntervalsAreCounted) {
  const promql::MemorySeriesSource raw = TwoDays();
  const RolledUpSource rolled(raw, RollupsOnly());
  // Reset 1 (sample 1,000) is inside the interval starting at T0 + 4h 10m; reset 2 (sample
  // 3,007) is the first sample of the interval at T0 + 12h 30m: the change from the previous
  // interval's last value counts it.
  for (int64_t t : {kT0 + 5 * kHour, kT0 + 13 * kHour}) {
    const std::string q = "increase(req_total{instance=\"0\"}[1h])";
    absl::StatusOr<promql::QueryResult> a = promql::Engine(raw).InstantQuery(q, t);
    absl::StatusOr<promql::QueryResult> b = promql::Engine(rolled).InstantQuery(q, t);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->vector.size(), 1u);
    ASSERT_EQ(b->vector.size(), 1u);
    EXPECT_GT(a->vector[0].value, 0);
    EXPECT_NEAR(a->vector[0].value, b->vector[0].value, 1e-9 * a->vector[0].value);
  }
}

TEST(RollupQuery, RawWhereRawExistsRollupsBefore) {
  const promql::MemorySeriesSource raw = TwoDays();
  StorageLayout layout = RollupsOnly();
  layout.raw_since_ms = kT0 + 24 * kHour;  // the second day is raw
  const RolledUpSource rolled(raw, layout);
  const std::string q = "max_over_time(load[1h])";
  absl::StatusOr<promql::QueryResult> a =
      promql::Engine(raw).RangeQuery(q, kT0 + kHour, kT0 + 47 * kHour, kHour);
  absl::StatusOr<promql::QueryResult> b =
      promql::Engine(rolled).RangeQuery(q, kT0 + kHour, kT0 + 47 * kHour, kHour);
  ASSERT_TRUE(a.ok() && b.ok());
  ExpectSameAnswers(*a, *b, 0, q);
  // A plain selector over the rollups: each step sees the last value of the interval before.
  absl::StatusOr<promql::QueryResult> plain =
      promql::Engine(rolled).RangeQuery("load", kT0 + kHour, kT0 + 20 * kHour, kHour);
  ASSERT_TRUE(plain.ok());
  ASSERT_EQ(plain->matrix.size(), 3u);
  EXPECT_EQ(plain->matrix[0].points.size(), 20u);
}

TEST(ChooseRollup, CoarsestNotAboveStepAndRangeThatReachesBackFarEnough) {
  const StorageLayout layout{.raw_since_ms = 100 * kHour,
                             .rollups = {{300'000, 70 * kHour}, {kHour, 0}}};
  using promql::internal::ChooseRollup;
  EXPECT_EQ(ChooseRollup(layout, kHour, kHour, 80 * kHour), kHour);
  EXPECT_EQ(ChooseRollup(layout, 600'000, kHour, 80 * kHour), 300'000);
  EXPECT_EQ(ChooseRollup(layout, kHour, 300'000, 80 * kHour), 300'000);
  // A step below every resolution: the finest.
  EXPECT_EQ(ChooseRollup(layout, 60'000, kHour, 80 * kHour), 300'000);
  // Older than the 5-minute rollups are kept: the hourly ones.
  EXPECT_EQ(ChooseRollup(layout, 600'000, kHour, 10 * kHour), kHour);
  EXPECT_FALSE(ChooseRollup(StorageLayout{}, kHour, kHour, 0));
}

}  // namespace
}  // namespace datamesh::monitoring::store
