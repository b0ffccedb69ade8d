#include "services/monitoring/promql/rollup_eval.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "services/monitoring/promql/eval_internal.h"
#include "services/monitoring/promql/kahan.h"

namespace datamesh::monitoring::promql::internal {
namespace {

// The intervals of `points` that lie whole in [lo, hi].
std::pair<const RollupPoint*, const RollupPoint*> Inside(const std::vector<RollupPoint>& points,
                                                         int64_t resolution_ms, int64_t lo,
                                                         int64_t hi) {
  auto first = std::lower_bound(points.begin(), points.end(), lo,
                                [](const RollupPoint& p, int64_t v) { return p.t < v; });
  auto last = std::upper_bound(points.begin(), points.end(), hi - resolution_ms + 1,
                               [](int64_t v, const RollupPoint& p) { return v < p.t; });
  if (last < first) last = first;
  return {points.data() + (first - points.begin()), points.data() + (last - points.begin())};
}

// The selector with its range widened to at least one interval.
MatrixSelector Widened(const MatrixSelector& selector, int64_t resolution_ms) {
  MatrixSelector out = selector;
  out.range_ms = std::max(selector.range_ms, resolution_ms);
  return out;
}

std::optional<double> Increase(const RollupPoint* begin, const RollupPoint* end,
                               const MatrixSelector& sel, int64_t t, bool is_rate) {
  double count = 0;
  double result = (end - 1)->last - begin->first;
  for (const RollupPoint* p = begin; p != end; ++p) {
    count += p->count;
    result += p->correction;
    if (p != begin && p->first < (p - 1)->last) result += (p - 1)->last;  // a reset between
  }
  return ExtrapolateIncrease(result, {begin->first_t, begin->first}, (end - 1)->last_t,
                             static_cast<size_t>(count), sel, t, /*is_counter=*/true, is_rate);
}

std::optional<double> FromAggregates(Function f, const RollupPoint* begin, const RollupPoint* end,
                                     const MatrixSelector& sel, int64_t t) {
  double count = 0, sum = 0, compensation = 0, min = begin->min, max = begin->max;
  for (const RollupPoint* p = begin; p != end; ++p) {
    count += p->count;
    KahanAdd(p->sum, sum, compensation);
    min = std::isnan(min) || p->min < min ? p->min : min;
    max = std::isnan(max) || p->max > max ? p->max : max;
  }
  if (!std::isinf(sum)) sum += compensation;
  switch (f) {
    case Function::kRate: return Increase(begin, end, sel, t, true);
    case Function::kIncrease: return Increase(begin, end, sel, t, false);
    case Function::kAvgOverTime: return sum / count;
    case Function::kSumOverTime: return sum;
    case Function::kCountOverTime: return count;
    case Function::kMinOverTime: return min;
    case Function::kMaxOverTime: return max;
    default: return std::nullopt;
  }
}

bool HasAggregate(Function f) {
  switch (f) {
    case Function::kRate:
    case Function::kIncrease:
    case Function::kAvgOverTime:
    case Function::kSumOverTime:
    case Function::kCountOverTime:
    case Function::kMinOverTime:
    case Function::kMaxOverTime: return true;
    default: return false;
  }
}

}  // namespace

std::optional<int64_t> ChooseRollup(const StorageLayout& layout, int64_t step_ms, int64_t range_ms,
                                    int64_t from_ms) {
  if (layout.rollups.empty()) return std::nullopt;
  const int64_t limit = range_ms > 0 ? std::min(step_ms, range_ms) : step_ms;
  std::optional<int64_t> fitting;
  for (const StorageLayout::Rollup& r : layout.rollups) {
    if (r.resolution_ms <= limit && r.since_ms <= from_ms) fitting = r.resolution_ms;
  }
  if (fitting) return fitting;
  if (layout.rollups.front().resolution_ms > limit && layout.rollups.front().since_ms <= from_ms) {
    return layout.rollups.front().resolution_ms;
  }
  const auto longest =
      std::min_element(layout.rollups.begin(), layout.rollups.end(),
                       [](const StorageLayout::Rollup& a, const StorageLayout::Rollup& b) {
                         return a.since_ms < b.since_ms;
                       });
  return longest->resolution_ms;
}

absl::StatusOr<Vector> ApplyRangeFunctionOnRollups(Function f, const MatrixSelector& selector,
                                                   const std::vector<RollupSeries>& series,
                                                   int64_t resolution_ms, double scalar_arg,
                                                   int64_t t) {
  const MatrixSelector sel = Widened(selector, resolution_ms);
  if (!HasAggregate(f)) {
    return ApplyRangeFunction(f, sel, RollupMatrix(sel, series, resolution_ms, t), scalar_arg, t);
  }
  const int64_t hi = t - sel.selector.offset_ms;
  Vector out;
  for (const RollupSeries& s : series) {
    const auto [begin, end] = Inside(s.points, resolution_ms, hi - sel.range_ms, hi);
    if (begin == end) continue;
    const std::optional<double> v = FromAggregates(f, begin, end, sel, t);
    if (v) out.push_back({WithoutMetricName(s.labels), *v});
  }
  if (absl::Status st = CheckUniqueLabelsets(out); !st.ok()) return st;
  return out;
}

Matrix RollupMatrix(const MatrixSelector& selector, const std::vector<RollupSeries>& series,
                    int64_t resolution_ms, int64_t t) {
  const MatrixSelector sel = Widened(selector, resolution_ms);
  const int64_t hi = t - sel.selector.offset_ms;
  Matrix out;
  for (const RollupSeries& s : series) {
    const auto [begin, end] = Inside(s.points, resolution_ms, hi - sel.range_ms, hi);
    MatrixSeries m{s.labels, {}};
    for (const RollupPoint* p = begin; p != end; ++p) m.points.push_back({p->last_t, p->last});
    if (!m.points.empty()) out.push_back(std::move(m));
  }
  return out;
}

Vector RollupVector(const VectorSelector& selector, const std::vector<RollupSeries>& series,
                    int64_t resolution_ms, int64_t lookback_ms, int64_t t) {
  const int64_t ref = t - selector.offset_ms;
  const int64_t lookback = std::max(lookback_ms, resolution_ms);
  Vector out;
  for (const RollupSeries& s : series) {
    const auto [begin, end] = Inside(s.points, resolution_ms, ref - lookback - resolution_ms, ref);
    if (begin == end || (end - 1)->last_t < ref - lookback) continue;
    out.push_back({s.labels, (end - 1)->last});
  }
  return out;
}

}  // namespace datamesh::monitoring::promql::internal
