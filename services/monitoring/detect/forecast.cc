#include "services/monitoring/detect/forecast.h"

#include <cmath>
#include <limits>

#include "services/monitoring/analytics/linear_fit.h"

namespace datamesh::monitoring::detect {
namespace {

constexpr double kDaySeconds = 86400;
constexpr double kInf = std::numeric_limits<double>::infinity();
// The bounds are found by scanning the horizon in this many steps (the bounds are curves).
constexpr int kScanSteps = 1000;

}  // namespace

std::optional<ForecastResult> ForecastLimit(const std::vector<TimedValue>& points, int64_t now_ms,
                                            const ForecastOptions& options) {
  if (points.size() < std::max<size_t>(options.min_points, 3)) return std::nullopt;
  // A falling limit is a rising one of the negated series.
  const double sign = options.rising ? 1 : -1;
  const double limit = sign * options.limit;
  // x in seconds relative to now keeps the sums well conditioned.
  std::vector<analytics::XY> xy;
  xy.reserve(points.size());
  double mean_x = 0;
  for (const TimedValue& p : points) {
    xy.push_back({(p.t_ms - now_ms) / 1000.0, sign * p.value});
    mean_x += xy.back().x;
  }
  mean_x /= xy.size();
  double sxx = 0;
  for (const analytics::XY& p : xy) sxx += (p.x - mean_x) * (p.x - mean_x);
  if (sxx <= 0) return std::nullopt;
  const analytics::LinearFit fit = analytics::FitLine(xy);
  const double n = static_cast<double>(fit.n);
  const double s = fit.slope_stderr * std::sqrt(sxx);  // residual standard deviation
  const double t = analytics::StudentT975(fit.n - 2);
  auto line = [&](double x) { return fit.intercept + fit.slope * x; };
  auto half_width = [&](double x) {
    return t * s * std::sqrt(1 + 1 / n + (x - mean_x) * (x - mean_x) / sxx);
  };

  ForecastResult r;
  r.fitted_now = sign * line(0);
  r.slope_per_day = sign * fit.slope * kDaySeconds;
  const double horizon_s = options.horizon_ms / 1000.0;
  r.days_earliest = r.days_latest = kInf;
  for (int i = 0; i <= kScanSteps; ++i) {
    const double x = horizon_s * i / kScanSteps;
    if (r.days_earliest == kInf && line(x) + half_width(x) >= limit) r.days_earliest = x / kDaySeconds;
    if (line(x) - half_width(x) >= limit) {
      r.days_latest = x / kDaySeconds;
      break;
    }
  }
  if (line(0) >= limit) {
    r.days_estimate = 0;
  } else if (fit.slope > 0) {
    r.days_estimate = (limit - line(0)) / fit.slope / kDaySeconds;
  } else {
    r.days_estimate = kInf;
  }
  r.fires = r.days_earliest != kInf;
  return r;
}

}  // namespace datamesh::monitoring::detect
