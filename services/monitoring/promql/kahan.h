// Kahan-Babuska compensated addition (Prometheus' kahanSumInc): sums of many floats keep the
// low-order bits plain addition loses. Add each term with KahanAdd, then sum + c is the total
// (sum alone when it is infinite).
#pragma once

#include <cmath>

namespace datamesh::monitoring::promql {

inline void KahanAdd(double inc, double& sum, double& c) {
  const double t = sum + inc;
  if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}

}  // namespace datamesh::monitoring::promql
