// Evaluates an anomaly or forecast rule (rules::Detector) at one time: a range query of the
// rule's `expr` over its window, each series handed to its detector (anomaly.h, forecast.h).
// The result is what a rule file's condition would give — one sample per alerting series — plus
// per-sample annotations with the detector's figures, which the alert carries:
//
//   anomaly:  anomaly_z, anomaly_value, anomaly_median, anomaly_scale, anomaly_baseline
//             (value: the z-score)
//   forecast: forecast_days, forecast_days_earliest, forecast_days_latest, forecast_limit,
//             forecast_now, forecast_slope_per_day (value: the earliest days; "+Inf" when the
//             bound does not reach the limit within the horizon)
//
// Points are one per step: anomaly max(1 minute, window / 10,000), forecast
// max(15 seconds, window / 720). Thread-safe (the engine's source must be).
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "services/monitoring/promql/engine.h"
#include "services/monitoring/rules/rule.h"

namespace datamesh::monitoring::detect {

struct DetectorOutput {
  promql::Vector samples;
  std::vector<promql::Labels> annotations;  // one per sample
};

// `rule.detector` must not be kCondition. Errors are the query's.
absl::StatusOr<DetectorOutput> EvaluateDetector(const promql::Engine& engine,
                                                const rules::Rule& rule, int64_t t_ms);

}  // namespace datamesh::monitoring::detect
