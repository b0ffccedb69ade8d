#include "services/monitoring/analytics/linear_fit.h"

#include <algorithm>
#include <cmath>

namespace datamesh::monitoring::analytics {

double StudentT975(size_t dof) {
  // t(0.975, dof) for dof 1..30, from the standard tables.
  static constexpr double kTable[] = {
      12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
      2.2010,  2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
      2.0796,  2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
  if (dof == 0) dof = 1;
  if (dof <= 30) return kTable[dof - 1];
  // Cornish-Fisher: t = z + g1/v + g2/v^2 + g3/v^3, z the normal 0.975 quantile; within 1e-5
  // of the exact value from 31 degrees of freedom on.
  const double z = 1.959963984540054;
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  const double v = static_cast<double>(dof);
  const double g1 = (z3 + z) / 4;
  const double g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const double g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  return z + g1 / v + g2 / (v * v) + g3 / (v * v * v);
}

LinearFit FitLine(const std::vector<XY>& points) {
  LinearFit fit;
  fit.n = points.size();
  if (points.empty()) return fit;
  double mean_x = 0;
  for (const XY& p : points) mean_x += p.x, fit.mean_y += p.y;
  mean_x /= static_cast<double>(fit.n);
  fit.mean_y /= static_cast<double>(fit.n);
  // Centred sums: x are often large (Unix days) and y large (bytes); centring keeps the
  // differences exact enough.
  double sxx = 0, sxy = 0, syy = 0;
  for (const XY& p : points) {
    const double dx = p.x - mean_x, dy = p.y - fit.mean_y;
    sxx += dx * dx, sxy += dx * dy, syy += dy * dy;
  }
  fit.intercept = fit.mean_y;
  if (fit.n < 3 || sxx <= 0) return fit;
  fit.slope = sxy / sxx;
  fit.intercept = fit.mean_y - fit.slope * mean_x;
  const double residual = std::max(0.0, syy - fit.slope * sxy);
  fit.slope_stderr = std::sqrt(residual / static_cast<double>(fit.n - 2) / sxx);
  const double t = StudentT975(fit.n - 2);
  fit.slope_low = fit.slope - t * fit.slope_stderr;
  fit.slope_high = fit.slope + t * fit.slope_stderr;
  fit.r_squared = syy > 0 ? 1 - residual / syy : 1;
  return fit;
}

}  // namespace datamesh::monitoring::analytics
