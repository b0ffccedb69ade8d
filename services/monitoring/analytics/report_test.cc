#include "services/monitoring/analytics/report.h"
#include "services/monitoring/analytics/test_times.h"

#include <gtest/gtest.h>

#include <cmath>

namespace datamesh::monitoring::analytics {
namespace {

using testing::kDayMs;
using testing::kHourMs;
using testing::kMinuteMs;

// Sunday 2026-12-06 00:00:00 UTC.
constexpr int64_t kSunday = 1'796'515'200'000;

std::vector<promql::SamplePoint> Line(int n, int64_t every_ms, double start, double per_step) {
  std::vector<promql::SamplePoint> out;
  for (int i = 0; i < n; ++i) out.push_back({kSunday + i * every_ms, start + per_step * i});
  return out;
}

TEST(Insufficient, SaysHowMuchThereIsAndWhatIsNeeded) {
  EXPECT_EQ(Insufficient(Line(3, 60'000, 0, 1), {}),
            "not enough data (3 samples over 2 minutes, need at least 10 samples over 60 "
            "minutes)");
  EXPECT_EQ(Insufficient({}, {}),
            "not enough data (0 samples over 0 minutes, need at least 10 samples over 60 "
            "minutes)");
  EXPECT_EQ(Insufficient(Line(61, 60'000, 0, 1), {}), std::nullopt);
}

TEST(ComputeTrend, GivesTheSlopePerDayAndDirection) {
  // 1 MiB more every hour for 2 days.
  auto v = ComputeTrend("storage", "q", "bytes", Line(49, kHourMs, 1000, 1 << 20));
  ASSERT_TRUE(std::holds_alternative<Trend>(v));
  const Trend& t = std::get<Trend>(v);
  EXPECT_EQ(t.points, 49u);
  EXPECT_NEAR(t.slope_per_day, 24.0 * (1 << 20), 1e-3);
  // Only rounding error is left in the residuals: the interval is a hair wide.
  EXPECT_NEAR(t.slope_low_per_day, t.slope_per_day, 1e-6 * t.slope_per_day);
  EXPECT_EQ(t.start_value, 1000);
  EXPECT_EQ(t.end_value, 1000 + 48.0 * (1 << 20));
  EXPECT_NEAR(t.change_percent, 100 * 48.0 * (1 << 20) / 1000, 1e-6);
  EXPECT_EQ(t.direction, "growing");
}

TEST(ComputeTrend, NoiseAroundAFlatLineIsFlat) {
  std::vector<promql::SamplePoint> points;
  for (int i = 0; i < 20; ++i) points.push_back({kSunday + i * kHourMs, i % 2 ? 10.0 : 12.0});
  auto v = ComputeTrend("requests", "q", "requests/s", points);
  ASSERT_TRUE(std::holds_alternative<Trend>(v));
  EXPECT_LT(std::get<Trend>(v).slope_low_per_day, 0);
  EXPECT_GT(std::get<Trend>(v).slope_high_per_day, 0);
  EXPECT_EQ(std::get<Trend>(v).direction, "flat");
}

TEST(ComputeTrend, ShortSeriesIsAGapWithTheReason) {
  auto v = ComputeTrend("bandwidth", "q", "bytes/s", Line(5, 60'000, 0, 1));
  ASSERT_TRUE(std::holds_alternative<Gap>(v));
  EXPECT_EQ(std::get<Gap>(v).section, "trends");
  EXPECT_EQ(std::get<Gap>(v).item, "bandwidth");
  EXPECT_EQ(std::get<Gap>(v).reason,
            "not enough data (5 samples over 4 minutes, need at least 10 samples over 60 "
            "minutes)");
}

TEST(ForecastZone, ExactLineIsFullInExactlyNDays) {
  // 100 + 10/day for 10 days: 190 used of 300, 11 days left, no uncertainty.
  auto v = ForecastZone("zone-a", "q", Line(10, kDayMs, 100, 10), 300);
  ASSERT_TRUE(std::holds_alternative<ZoneForecast>(v));
  const ZoneForecast& f = std::get<ZoneForecast>(v);
  EXPECT_EQ(f.status, "filling");
  EXPECT_EQ(f.used, 190);
  EXPECT_NEAR(*f.days_until_full, 11, 1e-9);
  EXPECT_NEAR(*f.days_margin, 0, 1e-9);
}

TEST(ForecastZone, NoisyGrowthGivesTheIntervalFromTheSlopes) {
  std::vector<promql::SamplePoint> used = Line(10, kDayMs, 100, 10);
  for (size_t i = 0; i < used.size(); ++i) used[i].v += i % 2 ? 3 : -3;
  auto v = ForecastZone("zone-a", "q", used, 400);
  ASSERT_TRUE(std::holds_alternative<ZoneForecast>(v));
  const ZoneForecast& f = std::get<ZoneForecast>(v);
  EXPECT_EQ(f.status, "filling");
  EXPECT_NEAR(*f.days_until_full, (400 - f.used) / f.slope_per_day, 1e-9);
  EXPECT_NEAR(*f.days_min, (400 - f.used) / f.slope_high_per_day, 1e-9);
  EXPECT_NEAR(*f.days_max, (400 - f.used) / f.slope_low_per_day, 1e-9);
  EXPECT_NEAR(*f.days_margin, (*f.days_max - *f.days_min) / 2, 1e-9);
  EXPECT_LT(*f.days_min, *f.days_until_full);
  EXPECT_GT(*f.days_max, *f.days_until_full);
}

TEST(ForecastZone, ShrinkingOrFlatIsNotFillingAndFullIsFull) {
  auto shrinking = ForecastZone("z", "q", Line(10, kDayMs, 200, -5), 300);
  EXPECT_EQ(std::get<ZoneForecast>(shrinking).status, "not_filling");
  EXPECT_FALSE(std::get<ZoneForecast>(shrinking).days_until_full.has_value());
  auto full = ForecastZone("z", "q", Line(10, kDayMs, 250, 10), 300);
  EXPECT_EQ(std::get<ZoneForecast>(full).status, "full");
  auto unknown = ForecastZone("z", "q", Line(10, kDayMs, 250, 10), 0);
  EXPECT_EQ(std::get<Gap>(unknown).reason, "the zone's capacity is not known (no capacity series)");
}

TEST(UsagePatterns, AverageByUtcHourAndByWeekdayWithCounts) {
  std::vector<promql::SamplePoint> hourly;
  for (int i = 0; i < 24 * 7; ++i) {
    // The hour's number, plus 100 times the weekday (Sunday 0).
    hourly.push_back({kSunday + i * kHourMs, (i % 24) + 100.0 * (i / 24)});
  }
  auto hours = HourOfDayPattern("q", hourly);
  ASSERT_TRUE(std::holds_alternative<UsagePattern>(hours));
  const UsagePattern& h = std::get<UsagePattern>(hours);
  ASSERT_EQ(h.buckets.size(), 24u);
  EXPECT_EQ(h.buckets[13].key, 13);
  EXPECT_EQ(h.buckets[13].samples, 7u);
  EXPECT_NEAR(h.buckets[13].mean, 13 + 300, 1e-9);  // mean of 100 * (0..6)
  auto days = WeekdayPattern("q", hourly);
  ASSERT_TRUE(std::holds_alternative<UsagePattern>(days));
  const UsagePattern& d = std::get<UsagePattern>(days);
  ASSERT_EQ(d.buckets.size(), 7u);
  EXPECT_EQ(d.buckets[0].key, 0);  // Sunday
  EXPECT_EQ(d.buckets[0].samples, 24u);
  EXPECT_NEAR(d.buckets[0].mean, 11.5, 1e-9);
  EXPECT_NEAR(d.buckets[6].mean, 611.5, 1e-9);  // Saturday
}

TEST(UsagePatterns, ADayIsNotEnoughForWeekdays) {
  auto days = WeekdayPattern("q", Line(25, kHourMs, 1, 0));
  ASSERT_TRUE(std::holds_alternative<Gap>(days));
  EXPECT_EQ(std::get<Gap>(days).reason,
            "not enough data (25 samples over 1440 minutes, need at least 7 samples over 8640 "
            "minutes)");
  EXPECT_TRUE(std::holds_alternative<UsagePattern>(HourOfDayPattern("q", Line(25, kHourMs, 1, 0))));
}

ZoneForecast Zone(std::string name, double used, double capacity, std::optional<double> days) {
  ZoneForecast z;
  z.zone = std::move(name);
  z.used = used;
  z.capacity = capacity;
  z.query = "q";
  z.status = days ? "filling" : "not_filling";
  z.days_until_full = days;
  if (days) z.days_margin = 1.5;
  return z;
}

TEST(Recommend, AddNodesWhereAZoneFillsWithinThirtyDaysWithEvidence) {
  auto recs = Recommend(
      {Zone("zone-a", 50, 100, 40), Zone("zone-b", 60, 100, 12), Zone("zone-c", 55, 100, 5)});
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].zone, "zone-c");
  EXPECT_EQ(recs[0].severity, "critical");
  EXPECT_EQ(recs[1].zone, "zone-b");
  EXPECT_EQ(recs[1].severity, "warning");
  EXPECT_EQ(recs[1].kind, "add_nodes");
  EXPECT_EQ(recs[1].message, "Add storage nodes in zone-b: full in 12.0 ± 1.5 days");
  ASSERT_FALSE(recs[1].evidence.empty());
  EXPECT_EQ(recs[1].evidence[0].name, "days_until_full");
  EXPECT_EQ(recs[1].evidence[0].value, 12);
  EXPECT_EQ(recs[1].evidence[2].query, "q");
}

TEST(Recommend, RebalanceWhenZonesAreFilledUnevenly) {
  auto recs =
      Recommend({Zone("zone-a", 80, 100, std::nullopt), Zone("zone-b", 30, 100, std::nullopt)});
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].kind, "rebalance");
  EXPECT_EQ(recs[0].zone, "zone-a");
  EXPECT_NEAR(recs[0].evidence[2].value, 0.5, 1e-12);
  EXPECT_TRUE(
      Recommend({Zone("zone-a", 40, 100, std::nullopt), Zone("zone-b", 30, 100, std::nullopt)})
          .empty());
}

}  // namespace
}  // namespace datamesh::monitoring::analytics
