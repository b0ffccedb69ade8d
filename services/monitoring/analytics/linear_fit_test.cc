#include "services/monitoring/analytics/linear_fit.h"

#include <gtest/gtest.h>

#include <cmath>

namespace datamesh::monitoring::analytics {
namespace {

TEST(StudentT975, MatchesTheTablesAndTheLimit) {
  EXPECT_DOUBLE_EQ(StudentT975(1), 12.7062);
  EXPECT_DOUBLE_EQ(StudentT975(10), 2.2281);
  EXPECT_DOUBLE_EQ(StudentT975(30), 2.0423);
  // Exact values 2.0395 (31), 2.0086 (50), 1.9840 (100), 1.9600 (infinity).
  EXPECT_NEAR(StudentT975(31), 2.0395, 1e-4);
  EXPECT_NEAR(StudentT975(50), 2.0086, 1e-4);
  EXPECT_NEAR(StudentT975(100), 1.9840, 1e-4);
  EXPECT_NEAR(StudentT975(1'000'000), 1.95996, 1e-5);
}

TEST(FitLine, PointsOnALineHaveThatSlopeAndNoUncertainty) {
  std::vector<XY> points;
  for (int i = 0; i < 10; ++i) points.push_back({1e5 + i, 3.0 * i + 7});
  const LinearFit fit = FitLine(points);
  EXPECT_EQ(fit.n, 10u);
  EXPECT_NEAR(fit.slope, 3.0, 1e-9);
  EXPECT_NEAR(fit.slope_stderr, 0, 1e-9);
  EXPECT_NEAR(fit.slope_low, 3.0, 1e-9);
  EXPECT_NEAR(fit.slope_high, 3.0, 1e-9);
  EXPECT_NEAR(fit.r_squared, 1.0, 1e-12);
}

TEST(FitLine, GivesTheTextbookIntervalOnNoisyPoints) {
  // x 0..4, y 1 3 2 5 4: slope 0.8, intercept 1.4, residuals -0.4 0.8 -1 1.2 -0.6 (SSR 3.6),
  // s^2 = 1.2, Sxx = 10, stderr = sqrt(0.12), t(3) = 3.1824, R^2 = 1 - 3.6/10 = 0.64.
  const LinearFit fit = FitLine({{0, 1}, {1, 3}, {2, 2}, {3, 5}, {4, 4}});
  EXPECT_NEAR(fit.slope, 0.8, 1e-12);
  EXPECT_NEAR(fit.intercept, 1.4, 1e-12);
  EXPECT_NEAR(fit.slope_stderr, std::sqrt(0.12), 1e-12);
  EXPECT_NEAR(fit.slope_low, 0.8 - 3.1824 * std::sqrt(0.12), 1e-12);
  EXPECT_NEAR(fit.slope_high, 0.8 + 3.1824 * std::sqrt(0.12), 1e-12);
  EXPECT_NEAR(fit.r_squared, 0.64, 1e-12);
  EXPECT_NEAR(fit.mean_y, 3.0, 1e-12);
}

TEST(FitLine, TooFewPointsGiveNoSlope) {
  const LinearFit fit = FitLine({{0, 1}, {1, 5}});
  EXPECT_EQ(fit.slope, 0);
  EXPECT_EQ(fit.slope_high, 0);
  EXPECT_NEAR(fit.mean_y, 3, 1e-12);
}

}  // namespace
}  // namespace datamesh::monitoring::analytics
