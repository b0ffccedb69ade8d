// /monitoring/metrics step queries over rollups answer as over the raw samples they came from:
// rate across counter resets, avg, min, max, sum and last, per series and grouped; and raw
// samples where they exist.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "services/monitoring/metrics_query.h"
#include "services/monitoring/store/rolled_up_source.h"

namespace datamesh::monitoring {
namespace {

constexpr int64_t kT0 = 1'700'006'400'000;  // a whole hour
constexpr int64_t kHour = 3'600'000;

promql::MemorySeriesSource TwoDays() {
  promql::MemorySeriesSource raw;
  double counter = 0;
  for (int i = 0; i < 2 * 24 * 240; ++i) {
    const int64_t t = kT0 + 7'000 + 15'000 * i + (i * 7919) % 11 - 5;
    counter = (i == 1'000 || i == 3'007) ? 2 : counter + (i % 5);
    for (const char* zone : {"a", "b"}) {
      const double scale = zone[0] == 'a' ? 1 : 3;
      (void)raw.Add(promql::MakeLabels({{"__name__", "put_total"}, {"zone", zone}}), t,
                    counter * scale);
      (void)raw.Add(promql::MakeLabels({{"__name__", "temp"}, {"zone", zone}}), t,
                    20 + scale * std::sin(i / 50.0));
    }
  }
  return raw;
}

void ExpectNear(const promql::Matrix& a, const promql::Matrix& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  size_t points = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].labels, b[i].labels) << what;
    ASSERT_EQ(a[i].points.size(), b[i].points.size()) << what;
    for (size_t j = 0; j < a[i].points.size(); ++j, ++points) {
      EXPECT_EQ(a[i].points[j].t, b[i].points[j].t) << what;
      EXPECT_NEAR(a[i].points[j].v, b[i].points[j].v,
                  1e-9 * std::max(1.0, std::fabs(a[i].points[j].v)))
          << what << " step " << j;
    }
  }
  EXPECT_GT(points, 40u) << what;
}

TEST(MetricsQueryRollups, StepsOverRollupsEqualStepsOverRawSamples) {
  const promql::MemorySeriesSource raw = TwoDays();
  promql::StorageLayout layout{.raw_since_ms = kT0 + 30 * kHour,  // the last 18 hours raw
                               .rollups = {{300'000, std::numeric_limits<int64_t>::min()},
                                           {kHour, std::numeric_limits<int64_t>::min()}}};
  const store::RolledUpSource rolled(raw, layout);
  for (StepAggregation agg :
       {StepAggregation::kRate, StepAggregation::kAvg, StepAggregation::kMin, StepAggregation::kMax,
        StepAggregation::kSum, StepAggregation::kLast}) {
    for (const std::vector<std::string>& group_by :
         std::vector<std::vector<std::string>>{{}, {"__name__"}}) {
      StepQuery q{.name = agg == StepAggregation::kRate ? "put_total" : "temp",
                  .from_ms = kT0 + kHour,
                  .to_ms = kT0 + 47 * kHour,
                  .step_ms = kHour,
                  .aggregation = agg,
                  .group_by = group_by};
      absl::StatusOr<promql::Matrix> a = QuerySteps(raw, q);
      absl::StatusOr<promql::Matrix> b = QuerySteps(rolled, q);
      ASSERT_TRUE(a.ok() && b.ok());
      ExpectNear(*a, *b, q.name + " aggregation " + std::to_string(static_cast<int>(agg)));
    }
  }
  EXPECT_GT(rolled.rollup_reads.at(kHour), 0);
}

}  // namespace
}  // namespace datamesh::monitoring
