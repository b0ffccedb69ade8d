// The anomaly rule kind's score: how far a series' latest value is from its own baseline, in
// robust standard deviations. The baseline is the series' history over the rule's window; once
// it spans at least three days, only the samples within 15 minutes of the same time of day
// count (hour-of-day seasonality: a busy noon is compared with other noons, not with nights; a
// narrow half hour, so a steep daily ramp does not widen the scale).
//
//   z = (latest - median) / scale,   scale = 1.4826 * MAD (the standard deviation of normal
//   noise); when more than half the baseline is one value (MAD 0), 1.2533 * the mean absolute
//   deviation, as Iglewicz and Hoaglin's modified z-score does.
//
// Median and MAD ignore up to half the baseline being outliers, so an earlier incident in the
// window does not mask the next one. A series with less than `min_history` of history, or
// fewer than `min_points` baseline samples, has no score (never alerts).
//
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace datamesh::monitoring::detect {

struct TimedValue {
  int64_t t_ms = 0;
  double value = 0;
};

struct AnomalyOptions {
  // The first sample must be at least this old (relative to the latest).
  int64_t min_history_ms = 24LL * 3600 * 1000;
  // Baseline samples needed (after the hour-of-day selection).
  size_t min_points = 30;
};

struct AnomalyScore {
  double z = 0;
  double median = 0;
  double scale = 0;
  bool seasonal = false;  // compared with the same time of day only
  size_t baseline_points = 0;
};

// `history`: finite values in ascending time, all before `latest`.
std::optional<AnomalyScore> ScoreAnomaly(const std::vector<TimedValue>& history,
                                         TimedValue latest, const AnomalyOptions& options);

}  // namespace datamesh::monitoring::detect
