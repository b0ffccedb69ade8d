// Ordinary least squares of y on x with the slope's confidence interval, and the Student t
// quantile it needs. Pure functions, used by the trends and capacity forecasts (report.h).
//
// Thread-safe: no state.
#pragma once

#include <cstddef>
#include <vector>

namespace datamesh::monitoring::analytics {

// The level of every interval the analytics report gives.
inline constexpr double kConfidenceLevel = 0.95;

struct XY {
  double x = 0;
  double y = 0;
};

struct LinearFit {
  size_t n = 0;
  double slope = 0;
  double intercept = 0;  // at x = 0
  // Standard error of the slope: sqrt(residual variance / Sxx), residual variance over n - 2.
  double slope_stderr = 0;
  // kConfidenceLevel interval of the slope: slope ± t(n - 2) * slope_stderr.
  double slope_low = 0;
  double slope_high = 0;
  // Coefficient of determination, 0-1; 1 when the points lie on a line (or y is constant).
  double r_squared = 0;
  double mean_y = 0;
};

// The fit of `points`. Requires at least 3 points with at least two distinct x (the caller
// checks sufficiency first); otherwise slope, error and interval are 0.
LinearFit FitLine(const std::vector<XY>& points);

// The two-sided Student t quantile for kConfidenceLevel (the 0.975 quantile) with `dof`
// degrees of freedom (at least 1): exact to 4 decimals up to 30, a Cornish-Fisher expansion
// above.
double StudentT975(size_t dof);

}  // namespace datamesh::monitoring::analytics
