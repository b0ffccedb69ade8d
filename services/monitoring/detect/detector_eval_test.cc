#include "services/monitoring/detect/detector_eval.h"

#include <gtest/gtest.h>

#include "services/monitoring/promql/memory_series_source.h"

namespace datamesh::monitoring::detect {
namespace detector_eval_test {

using promql::GetLabel;
using promql::Labels;
using promql::MakeLabels;

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 60 * kMinuteMs;
constexpr int64_t kNow = 1'000 * 24 * kHourMs;

Labels Disk(const std::string& instance) {
  return MakeLabels({{"__name__", "disk_used"}, {"instance", instance}});
}

TEST(EvaluateDetector, ForecastAlertsTheSeriesHeadingForTheLimit) {
  promql::MemorySeriesSource source;
  for (int64_t t = kNow - 6 * kHourMs; t <= kNow; t += 15'000) {
    const double hours = static_cast<double>(t - kNow) / kHourMs;
    ASSERT_TRUE(source.Add(Disk("a"), t, 500 + 10 * hours).ok());  // +240 a day, limit in 2 days
    ASSERT_TRUE(source.Add(Disk("b"), t, 500).ok());
  }
  rules::Rule rule;
  rule.name = "DiskFullSoon";
  rule.expr = "disk_used";
  rule.detector = rules::Detector::kForecast;
  rule.forecast = {.lookback = absl::Hours(6), .horizon = absl::Hours(72), .limit = 980};
  absl::StatusOr<DetectorOutput> out =
      EvaluateDetector(promql::Engine(source), rule, kNow);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->samples.size(), 1u);
  EXPECT_EQ(GetLabel(out->samples[0].labels, "instance"), "a");
  EXPECT_NEAR(out->samples[0].value, 2, 0.01);  // no noise: the bounds are the line
  ASSERT_EQ(out->annotations.size(), 1u);
  EXPECT_EQ(GetLabel(out->annotations[0], "forecast_days"), "2.00");
  EXPECT_EQ(GetLabel(out->annotations[0], "forecast_limit"), "980");
  EXPECT_EQ(GetLabel(out->annotations[0], "forecast_now"), "500");
}

TEST(EvaluateDetector, AnomalyAlertsTheSeriesThatJumped) {
  promql::MemorySeriesSource source;
  for (int64_t t = kNow - 48 * kHourMs; t <= kNow; t += kMinuteMs) {
    const double wobble = (t / kMinuteMs) % 7 - 3;  // -3..3: a deterministic noise
    ASSERT_TRUE(source.Add(Disk("a"), t, 100 + wobble + (t == kNow ? 60 : 0)).ok());
    ASSERT_TRUE(source.Add(Disk("b"), t, 100 + wobble).ok());
  }
  rules::Rule rule;
  rule.name = "DiskAnomaly";
  rule.expr = "disk_used";
  rule.detector = rules::Detector::kAnomaly;
  rule.anomaly = {.baseline = absl::Hours(24), .z_threshold = 6, .min_history = absl::Hours(12)};
  absl::StatusOr<DetectorOutput> out = EvaluateDetector(promql::Engine(source), rule, kNow);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->samples.size(), 1u);
  EXPECT_EQ(GetLabel(out->samples[0].labels, "instance"), "a");
  EXPECT_GT(out->samples[0].value, 6);
  EXPECT_EQ(GetLabel(out->annotations[0], "anomaly_median"), "100");
  EXPECT_FALSE(GetLabel(out->annotations[0], "anomaly_z").empty());

  // Not enough history: nothing, whatever the jump.
  rule.anomaly.min_history = absl::Hours(72);
  out = EvaluateDetector(promql::Engine(source), rule, kNow);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->samples.empty());
}

TEST(EvaluateDetector, QueryErrorsAreReturned) {
  promql::MemorySeriesSource source;
  rules::Rule rule;
  rule.expr = "rate(disk_used[5m]";
  rule.detector = rules::Detector::kAnomaly;
  EXPECT_EQ(EvaluateDetector(promql::Engine(source), rule, kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace detector_eval_test
}  // namespace datamesh::monitoring::detect
