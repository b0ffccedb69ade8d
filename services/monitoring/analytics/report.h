// The analytics report's parts as pure functions over points already queried: trends with the
// slope's 95 % interval, per-zone capacity forecasts ("full in N ± M days"), usage patterns by
// hour of day and weekday, and recommendations with the figures behind them. report_builder.h
// runs the queries and calls these; each is unit tested on synthetic series.
//
// Insufficient data is said, never invented: each function returns a `Gap` with the reason
// instead of a figure when its points are too few or span too little time.
//
// Thread-safe: no state.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "services/monitoring/analytics/linear_fit.h"
#include "services/monitoring/promql/series_source.h"

namespace datamesh::monitoring::analytics {

// A part of the report that could not be computed, and why.
struct Gap {
  std::string section;  // "trends", "forecasts", "patterns", "recommendations"
  std::string item;     // which trend, zone or pattern
  std::string reason;   // "not enough data (3 samples over 2 minutes, need ...)"
};

// What a figure needs: at least `min_points` points spanning at least `min_span`.
struct Need {
  size_t min_points = 10;
  absl::Duration min_span = absl::Hours(1);
};

// "not enough data (N samples over M minutes, need at least P samples over S minutes)" when
// `points` fall short of `need`, else nullopt.
std::optional<std::string> Insufficient(const std::vector<promql::SamplePoint>& points,
                                        const Need& need);

struct Trend {
  std::string name;    // "storage", "bandwidth", "requests"
  std::string metric;  // the metric it is built on, e.g. "datamesh_chunk_store_used_bytes"
  std::string query;   // the PromQL the points came from
  std::string unit;    // "bytes", "bytes/s", "requests/s"
  size_t points = 0;
  double start_value = 0;  // first point
  double end_value = 0;    // last point
  double mean_value = 0;
  double change_percent = 0;  // (end - start) / |start|, 0 when start is 0
  // Least squares, per day, with the kConfidenceLevel interval.
  double slope_per_day = 0, slope_low_per_day = 0, slope_high_per_day = 0;
  double r_squared = 0;
  std::string direction;  // "growing", "shrinking", "flat" (the interval holds 0)
};

// The trend of `points` (x in days since the first point), or a Gap under `need`.
std::variant<Trend, Gap> ComputeTrend(std::string name, std::string query, std::string unit,
                                      const std::vector<promql::SamplePoint>& points,
                                      const Need& need = {});

struct ZoneForecast {
  std::string zone;
  std::string query;
  double used = 0;      // the last point
  double capacity = 0;  // the zone's capacity now
  double slope_per_day = 0, slope_low_per_day = 0, slope_high_per_day = 0;
  double r_squared = 0;
  // "filling": days_until_full with its interval [days_min, days_max] and margin (half its
  // width); "not_filling": the slope's interval reaches 0 or below; "full": used >= capacity.
  std::string status;
  std::optional<double> days_until_full, days_min, days_max, days_margin;
};

// The forecast of a zone whose used bytes are `used` (time order) and capacity `capacity`.
// A Gap under `need` or when the capacity is unknown (0).
std::variant<ZoneForecast, Gap> ForecastZone(std::string zone, std::string query,
                                             const std::vector<promql::SamplePoint>& used,
                                             double capacity, const Need& need = {});

struct PatternBucket {
  int key = 0;  // hour 0-23, or weekday 0-6 (0 = Sunday)
  double mean = 0;
  size_t samples = 0;
};

struct UsagePattern {
  std::string dimension;  // "hour_of_day" or "weekday"
  std::string query;
  std::vector<PatternBucket> buckets;  // by key; only keys that had points
};

// Means of `points` by UTC hour of day (needs a day of data) or by weekday (needs a week).
std::variant<UsagePattern, Gap> HourOfDayPattern(std::string query,
                                                 const std::vector<promql::SamplePoint>& points);
std::variant<UsagePattern, Gap> WeekdayPattern(std::string query,
                                               const std::vector<promql::SamplePoint>& points);

struct Evidence {
  std::string name;
  double value = 0;
  std::string unit;
  std::string query;
};

struct Recommendation {
  std::string kind;      // "add_nodes", "rebalance"
  std::string severity;  // "critical", "warning", "info"
  std::string zone;
  std::string message;
  std::vector<Evidence> evidence;
};

struct RecommendationOptions {
  // Add nodes to a zone full within this many days (critical within a quarter of it).
  double add_nodes_within_days = 30;
  // Rebalance when the zones' used/capacity ratios differ by more than this.
  double rebalance_spread = 0.20;
};

// Recommendations from the forecasts, most severe first.
std::vector<Recommendation> Recommend(const std::vector<ZoneForecast>& zones,
                                      const RecommendationOptions& options = {});

}  // namespace datamesh::monitoring::analytics
