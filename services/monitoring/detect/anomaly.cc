#include "services/monitoring/detect/anomaly.h"

#include <algorithm>
#include <cmath>

namespace datamesh::monitoring::detect {
namespace {

constexpr int64_t kHourMs = 3600LL * 1000;
constexpr int64_t kDayMs = 24 * kHourMs;
// History needed before the hour-of-day baseline is used: three samples of each hour.
constexpr int64_t kSeasonalHistoryMs = 3 * kDayMs;
// Normal noise: sigma = 1.4826 MAD = 1.2533 mean absolute deviation.
constexpr double kMadToSigma = 1.4826;
constexpr double kMeanAdToSigma = 1.2533;

// Samples this close to the latest's time of day (either side) are its seasonal baseline.
constexpr int64_t kSeasonalHalfWidthMs = kHourMs / 4;

// Distance between the times of day of two instants, 0 to 12 hours.
int64_t TimeOfDayDistance(int64_t a_ms, int64_t b_ms) {
  const int64_t d = (((a_ms - b_ms) % kDayMs) + kDayMs) % kDayMs;
  return std::min(d, kDayMs - d);
}

// Median of `v` (reordered).
double Median(std::vector<double>& v) {
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  return (*std::max_element(v.begin(), v.begin() + mid) + upper) / 2;
}

}  // namespace

std::optional<AnomalyScore> ScoreAnomaly(const std::vector<TimedValue>& history,
                                         TimedValue latest, const AnomalyOptions& options) {
  if (history.empty() || latest.t_ms - history.front().t_ms < options.min_history_ms) {
    return std::nullopt;
  }
  AnomalyScore score;
  score.seasonal = latest.t_ms - history.front().t_ms >= kSeasonalHistoryMs;
  std::vector<double> base;
  for (const TimedValue& p : history) {
    if (!std::isfinite(p.value)) continue;
    if (score.seasonal && TimeOfDayDistance(p.t_ms, latest.t_ms) > kSeasonalHalfWidthMs) continue;
    base.push_back(p.value);
  }
  if (base.size() < options.min_points) return std::nullopt;
  score.baseline_points = base.size();
  score.median = Median(base);
  double abs_sum = 0;
  for (double& v : base) {
    v = std::fabs(v - score.median);
    abs_sum += v;
  }
  const double mad = Median(base);
  score.scale = mad > 0 ? kMadToSigma * mad : kMeanAdToSigma * abs_sum / base.size();
  // A baseline of one constant value: any change is an anomaly, scored against a tiny scale.
  score.scale = std::max(score.scale, 1e-9 * std::max(1.0, std::fabs(score.median)));
  score.z = (latest.value - score.median) / score.scale;
  return score;
}

}  // namespace datamesh::monitoring::detect
