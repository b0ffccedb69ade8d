#include "services/monitoring/analytics/report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace datamesh::monitoring::analytics {
namespace {

constexpr double kMsPerDay = 86'400'000.0;

std::vector<XY> InDays(const std::vector<promql::SamplePoint>& points) {
  std::vector<XY> xy;
  xy.reserve(points.size());
  const int64_t t0 = points.empty() ? 0 : points.front().t;
  for (const promql::SamplePoint& p : points) {
    xy.push_back({static_cast<double>(p.t - t0) / kMsPerDay, p.v});
  }
  return xy;
}

std::string Minutes(absl::Duration d) {
  return absl::StrFormat("%.0f minutes", absl::ToDoubleMinutes(d));
}

// Days until `used` reaches `capacity` growing by `per_day`.
double DaysAt(double used, double capacity, double per_day) { return (capacity - used) / per_day; }

std::string ZoneName(const std::string& zone) { return zone.empty() ? "(no zone)" : zone; }

}  // namespace

std::optional<std::string> Insufficient(const std::vector<promql::SamplePoint>& points,
                                        const Need& need) {
  const absl::Duration span = points.size() < 2
                                  ? absl::ZeroDuration()
                                  : absl::Milliseconds(points.back().t - points.front().t);
  if (points.size() >= need.min_points && span >= need.min_span) return std::nullopt;
  return absl::StrCat("not enough data (", points.size(),
                      points.size() == 1 ? " sample over " : " samples over ", Minutes(span),
                      ", need at least ", need.min_points, " samples over ", Minutes(need.min_span),
                      ")");
}

std::variant<Trend, Gap> ComputeTrend(std::string name, std::string query, std::string unit,
                                      const std::vector<promql::SamplePoint>& points,
                                      const Need& need) {
  if (std::optional<std::string> why = Insufficient(points, need)) {
    return Gap{"trends", std::move(name), *std::move(why)};
  }
  const LinearFit fit = FitLine(InDays(points));
  Trend t;
  t.name = std::move(name);
  t.query = std::move(query);
  t.unit = std::move(unit);
  t.points = points.size();
  t.start_value = points.front().v;
  t.end_value = points.back().v;
  t.mean_value = fit.mean_y;
  t.change_percent =
      t.start_value == 0 ? 0 : 100 * (t.end_value - t.start_value) / std::fabs(t.start_value);
  t.slope_per_day = fit.slope;
  t.slope_low_per_day = fit.slope_low;
  t.slope_high_per_day = fit.slope_high;
  t.r_squared = fit.r_squared;
  t.direction = fit.slope_low > 0 ? "growing" : fit.slope_high < 0 ? "shrinking" : "flat";
  return t;
}

std::variant<ZoneForecast, Gap> ForecastZone(std::string zone, std::string query,
                                             const std::vector<promql::SamplePoint>& used,
                                             double capacity, const Need& need) {
  if (std::optional<std::string> why = Insufficient(used, need)) {
    return Gap{"forecasts", ZoneName(zone), *std::move(why)};
  }
  if (!(capacity > 0)) {
    return Gap{"forecasts", ZoneName(zone),
               "the zone's capacity is not known (no capacity series)"};
  }
  const LinearFit fit = FitLine(InDays(used));
  ZoneForecast f;
  f.zone = std::move(zone);
  f.query = std::move(query);
  f.used = used.back().v;
  f.capacity = capacity;
  f.slope_per_day = fit.slope;
  f.slope_low_per_day = fit.slope_low;
  f.slope_high_per_day = fit.slope_high;
  f.r_squared = fit.r_squared;
  if (f.used >= capacity) {
    f.status = "full";
    f.days_until_full = f.days_min = f.days_max = f.days_margin = 0;
  } else if (fit.slope_low <= 0) {
    // Growth not distinguishable from none at the 95 % level: no date is given.
    f.status = "not_filling";
  } else {
    f.status = "filling";
    f.days_until_full = DaysAt(f.used, capacity, fit.slope);
    f.days_min = DaysAt(f.used, capacity, fit.slope_high);
    f.days_max = DaysAt(f.used, capacity, fit.slope_low);
    f.days_margin = (*f.days_max - *f.days_min) / 2;
  }
  return f;
}

namespace {

template <typename KeyOf>
UsagePattern Bucketed(std::string dimension, std::string query,
                      const std::vector<promql::SamplePoint>& points, KeyOf key_of) {
  std::map<int, std::pair<double, size_t>> sums;
  for (const promql::SamplePoint& p : points) {
    if (!std::isfinite(p.v)) continue;
    auto& [sum, n] = sums[key_of(absl::FromUnixMillis(p.t))];
    sum += p.v;
    ++n;
  }
  UsagePattern out{std::move(dimension), std::move(query), {}};
  for (const auto& [key, sn] : sums) {
    out.buckets.push_back({key, sn.first / static_cast<double>(sn.second), sn.second});
  }
  return out;
}

}  // namespace

std::variant<UsagePattern, Gap> HourOfDayPattern(std::string query,
                                                 const std::vector<promql::SamplePoint>& points) {
  // Every hour seen at least once: a day of data, a point at least every hour.
  if (std::optional<std::string> why = Insufficient(points, {24, absl::Hours(23)})) {
    return Gap{"patterns", "hour_of_day", *std::move(why)};
  }
  return Bucketed("hour_of_day", std::move(query), points, [](absl::Time t) {
    return static_cast<int>(absl::ToCivilHour(t, absl::UTCTimeZone()).hour());
  });
}

std::variant<UsagePattern, Gap> WeekdayPattern(std::string query,
                                               const std::vector<promql::SamplePoint>& points) {
  if (std::optional<std::string> why = Insufficient(points, {7, absl::Hours(24 * 6)})) {
    return Gap{"patterns", "weekday", *std::move(why)};
  }
  return Bucketed("weekday", std::move(query), points, [](absl::Time t) {
    // absl's Weekday starts at Monday; the report's keys at Sunday (as JavaScript's getDay).
    const absl::Weekday w = absl::GetWeekday(absl::ToCivilDay(t, absl::UTCTimeZone()));
    return (static_cast<int>(w) + 1) % 7;
  });
}

std::vector<Recommendation> Recommend(const std::vector<ZoneForecast>& zones,
                                      const RecommendationOptions& options) {
  std::vector<Recommendation> out;
  for (const ZoneForecast& z : zones) {
    if (!z.days_until_full || *z.days_until_full > options.add_nodes_within_days) continue;
    Recommendation r;
    r.kind = "add_nodes";
    r.zone = z.zone;
    r.severity = *z.days_until_full <= options.add_nodes_within_days / 4 ? "critical" : "warning";
    r.message = z.status == "full"
                    ? absl::StrFormat("Add storage nodes in %s: it is full", ZoneName(z.zone))
                    : absl::StrFormat("Add storage nodes in %s: full in %.1f ± %.1f days",
                                      ZoneName(z.zone), *z.days_until_full, *z.days_margin);
    r.evidence = {{"days_until_full", *z.days_until_full, "days", ""},
                  {"days_margin", *z.days_margin, "days", ""},
                  {"used", z.used, "bytes", z.query},
                  {"capacity", z.capacity, "bytes", z.query},
                  {"slope_per_day", z.slope_per_day, "bytes/day", z.query}};
    out.push_back(std::move(r));
  }
  // Rebalance: zones filled unevenly (placement spreads shards over zones, so an uneven fill
  // means some zone's nodes carry more than their share).
  const ZoneForecast* most = nullptr;
  const ZoneForecast* least = nullptr;
  for (const ZoneForecast& z : zones) {
    const double ratio = z.used / z.capacity;
    if (most == nullptr || ratio > most->used / most->capacity) most = &z;
    if (least == nullptr || ratio < least->used / least->capacity) least = &z;
  }
  if (most != nullptr && most != least) {
    const double high = most->used / most->capacity, low = least->used / least->capacity;
    if (high - low > options.rebalance_spread) {
      Recommendation r;
      r.kind = "rebalance";
      r.severity = "info";
      r.zone = most->zone;
      r.message =
          absl::StrFormat("Rebalance: %s is %.0f %% used, %s %.0f %% (spread above %.0f points)",
                          ZoneName(most->zone), 100 * high, ZoneName(least->zone), 100 * low,
                          100 * options.rebalance_spread);
      r.evidence = {
          {absl::StrCat("used_ratio ", ZoneName(most->zone)), high, "ratio", most->query},
          {absl::StrCat("used_ratio ", ZoneName(least->zone)), low, "ratio", least->query},
          {"used_ratio_spread", high - low, "ratio", ""}};
      out.push_back(std::move(r));
    }
  }
  auto rank = [](const std::string& s) { return s == "critical" ? 0 : s == "warning" ? 1 : 2; };
  std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) {
    return rank(a.severity) < rank(b.severity);
  });
  return out;
}

}  // namespace datamesh::monitoring::analytics
