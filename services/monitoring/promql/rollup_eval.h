// Evaluating over rolled-up resolutions: which resolution a query reads where raw samples are
// gone, and the range functions computed from the rollup points' aggregates.
//
// A window [t - range, t] is answered from the intervals that lie inside it whole. When the
// range is shorter than the resolution it widens to one interval (rate is then per second of
// that interval). Exact from the aggregates: count, sum, min, max (and the *_over_time functions
// of them; avg = sum / count) and rate/increase — the counter's change inside each interval is
// last - first + correction, and between two intervals the change from one's last to the
// next's first, counted as a reset when it falls, so resets are counted as in raw samples; the
// extrapolation to the window's edges uses the first and last sample times and the count, as
// on raw samples. The other range functions (irate, deriv, predict_linear, stddev_over_time)
// and plain selectors see one sample per interval: its last value at its last time.
//
// Internal to the PromQL library and the step queries of /monitoring/metrics (metrics_query.h).
#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "services/monitoring/promql/ast.h"
#include "services/monitoring/promql/engine.h"

namespace datamesh::monitoring::promql::internal {

// The rollup resolution for windows of `range_ms` (0 for a plain selector) evaluated every
// `step_ms` (a very large step for an instant query) whose earliest window starts at `from_ms`:
// among the resolutions not longer than the step or the range (the finest when none is), the
// coarsest kept back to from_ms; when none reaches that far, the one kept longest. None when
// the layout has no rollups.
std::optional<int64_t> ChooseRollup(const StorageLayout& layout, int64_t step_ms, int64_t range_ms,
                                    int64_t from_ms);

// `f` over every series' intervals inside the window of `selector` ending at `t`.
absl::StatusOr<Vector> ApplyRangeFunctionOnRollups(Function f, const MatrixSelector& selector,
                                                   const std::vector<RollupSeries>& series,
                                                   int64_t resolution_ms, double scalar_arg,
                                                   int64_t t);

// The window of `selector` at `t` as samples: each whole interval's last value at its time.
Matrix RollupMatrix(const MatrixSelector& selector, const std::vector<RollupSeries>& series,
                    int64_t resolution_ms, int64_t t);

// A plain selector at `t`: each series' last value of the latest interval that ended by then,
// if its last sample is within the lookback (widened to one interval).
Vector RollupVector(const VectorSelector& selector, const std::vector<RollupSeries>& series,
                    int64_t resolution_ms, int64_t lookback_ms, int64_t t);

}  // namespace datamesh::monitoring::promql::internal
