#include "services/monitoring/detect/detector_eval.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"
#include "services/monitoring/detect/anomaly.h"
#include "services/monitoring/detect/forecast.h"
#include "services/monitoring/rules/rule_template.h"

namespace datamesh::monitoring::detect {
namespace {

std::string Figure(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return rules::GoFloatString(v);
}

std::string Days(double v) {
  if (std::isinf(v)) return "+Inf";
  return absl::StrFormat("%.2f", v);
}

// The matrix of `expr` over the `window` before t, one point per `step`, the last at t.
absl::StatusOr<promql::Matrix> History(const promql::Engine& engine, const std::string& expr,
                                       int64_t t_ms, int64_t window_ms, int64_t step_ms) {
  const int64_t steps = std::max<int64_t>(1, window_ms / step_ms);
  absl::StatusOr<promql::QueryResult> r =
      engine.RangeQuery(expr, t_ms - steps * step_ms, t_ms, step_ms);
  if (!r.ok()) return r.status();
  return std::move(r->matrix);
}

std::vector<TimedValue> Finite(const std::vector<promql::SamplePoint>& points) {
  std::vector<TimedValue> out;
  out.reserve(points.size());
  for (const promql::SamplePoint& p : points) {
    if (std::isfinite(p.v)) out.push_back({p.t, p.v});
  }
  return out;
}

absl::StatusOr<DetectorOutput> Anomalies(const promql::Engine& engine, const rules::Rule& rule,
                                         int64_t t_ms) {
  const int64_t window_ms = absl::ToInt64Milliseconds(rule.anomaly.baseline);
  const int64_t step_ms = std::max<int64_t>(60'000, window_ms / 10'000);
  absl::StatusOr<promql::Matrix> matrix = History(engine, rule.expr, t_ms, window_ms, step_ms);
  if (!matrix.ok()) return matrix.status();
  DetectorOutput out;
  const AnomalyOptions options{.min_history_ms =
                                   absl::ToInt64Milliseconds(rule.anomaly.min_history)};
  for (const promql::MatrixSeries& series : *matrix) {
    std::vector<TimedValue> points = Finite(series.points);
    // Only a series present now can be anomalous now.
    if (points.empty() || points.back().t_ms != t_ms) continue;
    const TimedValue latest = points.back();
    points.pop_back();
    std::optional<AnomalyScore> score = ScoreAnomaly(points, latest, options);
    if (!score || std::fabs(score->z) <= rule.anomaly.z_threshold) continue;
    out.samples.push_back({series.labels, score->z});
    out.annotations.push_back(promql::MakeLabels({
        {"anomaly_z", absl::StrFormat("%.2f", score->z)},
        {"anomaly_value", Figure(latest.value)},
        {"anomaly_median", Figure(score->median)},
        {"anomaly_scale", Figure(score->scale)},
        {"anomaly_baseline",
         absl::StrFormat("%d samples%s", score->baseline_points,
                         score->seasonal ? " at the same time of day" : "")},
    }));
  }
  return out;
}

absl::StatusOr<DetectorOutput> Forecasts(const promql::Engine& engine, const rules::Rule& rule,
                                         int64_t t_ms) {
  const int64_t window_ms = absl::ToInt64Milliseconds(rule.forecast.lookback);
  const int64_t step_ms = std::max<int64_t>(15'000, window_ms / 720);
  absl::StatusOr<promql::Matrix> matrix = History(engine, rule.expr, t_ms, window_ms, step_ms);
  if (!matrix.ok()) return matrix.status();
  DetectorOutput out;
  const ForecastOptions options{.limit = rule.forecast.limit,
                                .rising = rule.forecast.rising,
                                .horizon_ms = absl::ToInt64Milliseconds(rule.forecast.horizon)};
  for (const promql::MatrixSeries& series : *matrix) {
    const std::vector<TimedValue> points = Finite(series.points);
    if (points.empty() || points.back().t_ms != t_ms) continue;
    std::optional<ForecastResult> f = ForecastLimit(points, t_ms, options);
    if (!f || !f->fires) continue;
    out.samples.push_back({series.labels, f->days_earliest});
    out.annotations.push_back(promql::MakeLabels({
        {"forecast_days", Days(f->days_estimate)},
        {"forecast_days_earliest", Days(f->days_earliest)},
        {"forecast_days_latest", Days(f->days_latest)},
        {"forecast_limit", Figure(rule.forecast.limit)},
        {"forecast_now", Figure(f->fitted_now)},
        {"forecast_slope_per_day", Figure(f->slope_per_day)},
    }));
  }
  return out;
}

}  // namespace

absl::StatusOr<DetectorOutput> EvaluateDetector(const promql::Engine& engine,
                                                const rules::Rule& rule, int64_t t_ms) {
  switch (rule.detector) {
    case rules::Detector::kAnomaly: return Anomalies(engine, rule, t_ms);
    case rules::Detector::kForecast: return Forecasts(engine, rule, t_ms);
    case rules::Detector::kCondition: break;
  }
  return absl::InvalidArgumentError("not an anomaly or forecast rule");
}

}  // namespace datamesh::monitoring::detect
