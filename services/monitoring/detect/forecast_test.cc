#include "services/monitoring/detect/forecast.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace datamesh::monitoring::detect {
namespace forecast_test {

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;

// Six hours ending at `now`, one point a minute: start + per_day * days, plus noise.
std::vector<TimedValue> Line(int64_t now, double at_now, double per_day, double sigma) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0, sigma);
  std::vector<TimedValue> out;
  for (int64_t t = now - 6 * kHourMs; t <= now; t += 60'000) {
    const double days = static_cast<double>(t - now) / kDayMs;
    out.push_back({t, at_now + per_day * days + (sigma > 0 ? noise(rng) : 0)});
  }
  return out;
}

TEST(ForecastLimit, ExactLineGivesExactDays) {
  const int64_t now = 100 * kDayMs;
  // 150 now, +10 a day: the limit 200 in 5 days; no noise, so the bounds are the line.
  std::optional<ForecastResult> f =
      ForecastLimit(Line(now, 150, 10, 0), now, {.limit = 200, .horizon_ms = 7 * kDayMs});
  ASSERT_TRUE(f.has_value());
  EXPECT_NEAR(f->fitted_now, 150, 1e-6);
  EXPECT_NEAR(f->slope_per_day, 10, 1e-6);
  EXPECT_NEAR(f->days_estimate, 5, 1e-6);
  EXPECT_NEAR(f->days_earliest, 5, 0.01);  // scanned in 1/1000 of the horizon
  EXPECT_NEAR(f->days_latest, 5, 0.01);
  EXPECT_TRUE(f->fires);
}

TEST(ForecastLimit, NoiseWidensTheBoundsAroundTheEstimate) {
  const int64_t now = 100 * kDayMs;
  std::optional<ForecastResult> f =
      ForecastLimit(Line(now, 150, 10, 0.5), now, {.limit = 200, .horizon_ms = 30 * kDayMs});
  ASSERT_TRUE(f.has_value());
  EXPECT_NEAR(f->days_estimate, 5, 1);
  EXPECT_LT(f->days_earliest, f->days_estimate);
  EXPECT_GT(f->days_latest, f->days_estimate);
  EXPECT_TRUE(f->fires);
}

TEST(ForecastLimit, FiresOnlyWhenTheBoundReachesTheLimitWithinTheHorizon) {
  const int64_t now = 100 * kDayMs;
  const std::vector<TimedValue> points = Line(now, 150, 10, 0);
  EXPECT_FALSE(ForecastLimit(points, now, {.limit = 200, .horizon_ms = 3 * kDayMs})->fires);
  std::optional<ForecastResult> flat =
      ForecastLimit(Line(now, 150, 0, 1), now, {.limit = 200, .horizon_ms = 7 * kDayMs});
  ASSERT_TRUE(flat.has_value());
  EXPECT_FALSE(flat->fires);
  EXPECT_TRUE(std::isinf(flat->days_latest));
}

TEST(ForecastLimit, FallingLimitIsTheMirrorImage) {
  const int64_t now = 100 * kDayMs;
  // 150 now, -10 a day, falling to 100: 5 days.
  std::optional<ForecastResult> f = ForecastLimit(
      Line(now, 150, -10, 0), now, {.limit = 100, .rising = false, .horizon_ms = 7 * kDayMs});
  ASSERT_TRUE(f.has_value());
  EXPECT_NEAR(f->days_estimate, 5, 1e-6);
  EXPECT_NEAR(f->slope_per_day, -10, 1e-6);
  EXPECT_TRUE(f->fires);
  // Already past the limit: 0 days.
  std::optional<ForecastResult> past =
      ForecastLimit(Line(now, 250, 0, 0), now, {.limit = 200, .horizon_ms = kDayMs});
  EXPECT_EQ(past->days_estimate, 0);
  EXPECT_EQ(past->days_earliest, 0);
}

TEST(ForecastLimit, RefusesTooFewPoints) {
  const int64_t now = 100 * kDayMs;
  std::vector<TimedValue> few = {{now - 2, 1}, {now - 1, 2}, {now, 3}};
  EXPECT_FALSE(ForecastLimit(few, now, {.limit = 10}).has_value());
  std::vector<TimedValue> one_time(20, TimedValue{now, 1});
  EXPECT_FALSE(ForecastLimit(one_time, now, {.limit = 10}).has_value());
}

}  // namespace forecast_test
}  // namespace datamesh::monitoring::detect
