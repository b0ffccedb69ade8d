// The forecast rule kind: "full in N days". A least-squares line through the series' recent
// history (analytics/linear_fit.h), and its 95 % prediction interval for a single future value:
//
//   y(x) = a + b x  ±  t(n-2) * s * sqrt(1 + 1/n + (x - mean x)^2 / Sxx)
//
// For a rising limit, the interval's upper bound reaching the limit is the earliest plausible
// time, the fitted line the estimate, and the lower bound the latest (infinite when it never
// reaches the limit within the horizon). The rule fires when the earliest time is within the
// horizon: uncertainty makes it warn sooner, never later. A falling limit is the mirror image.
//
// Pure functions, thread-safe.
#pragma once

#include <optional>
#include <vector>

#include "services/monitoring/detect/anomaly.h"

namespace datamesh::monitoring::detect {

struct ForecastOptions {
  double limit = 0;
  bool rising = true;
  int64_t horizon_ms = 7LL * 24 * 3600 * 1000;
  // Points needed for a fit.
  size_t min_points = 10;
};

struct ForecastResult {
  double fitted_now = 0;      // the line at `now`
  double slope_per_day = 0;   // in value units
  // Days from `now` until the limit: by the upper bound (rising), the line, the lower bound.
  // Infinity when not reached within the horizon (the estimate: when the line never reaches it).
  double days_earliest = 0;
  double days_estimate = 0;
  double days_latest = 0;
  bool fires = false;
};

// `points`: ascending time, finite values. nullopt: fewer than `min_points`, or all at one time.
std::optional<ForecastResult> ForecastLimit(const std::vector<TimedValue>& points, int64_t now_ms,
                                            const ForecastOptions& options);

}  // namespace datamesh::monitoring::detect
