// The answers of REST `GET /monitoring/metrics` (docs/API.md) over a SeriesSource: the latest
// value of every series (the snapshot), and one metric's series aggregated per step.
//
// Step aggregation: the samples whose time falls in [t, t + step) make the point at t:
// avg/min/max/sum/last of their values, or `rate`, the counter's increase over the step (from
// the sample before the step to the last one in it, a drop counted as a reset) divided by the
// step in seconds. Staleness markers are skipped; steps without a value, and values that are
// NaN or infinite, are left out. With `group_by`, the series of each group are combined step
// by step: avg and min/max of their values, the sum for sum, rate and last. Steps that start
// before the source's raw samples (StorageLayout) are made of its rollup intervals instead,
// each counted in the step its interval starts in: exact for a step that is a multiple of the
// resolution and a `from` on its grid (the rate's increase from interval to interval counts
// resets as raw samples do).
//
// Pure functions over the source, thread-safe as the source is.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/monitoring/promql/engine.h"
#include "services/monitoring/promql/series_source.h"

namespace datamesh::monitoring {

// How long after its last sample a series still counts in the snapshot (Prometheus' lookback).
inline constexpr absl::Duration kSnapshotLookback = absl::Minutes(5);

// The latest sample of each series whose name starts with `name_prefix` (all when empty) and
// that carries every label of `labels`, at most kSnapshotLookback old at `now`; a series whose
// last sample is a staleness marker is left out. Sorted by name, then labels.
absl::StatusOr<promql::Vector> LatestValues(const promql::SeriesSource& source,
                                            const std::string& name_prefix,
                                            const std::map<std::string, std::string>& labels,
                                            absl::Time now);

enum class StepAggregation { kAvg, kMin, kMax, kSum, kRate, kLast };

struct StepQuery {
  std::string name;
  std::map<std::string, std::string> labels;
  int64_t from_ms = 0;  // inclusive
  int64_t to_ms = 0;    // exclusive
  int64_t step_ms = 0;
  StepAggregation aggregation = StepAggregation::kAvg;
  std::vector<std::string> group_by;
};

// The aggregation an unset one means: rate for counters (names ending in "_total"), avg else.
StepAggregation DefaultAggregation(const std::string& name);

// A step of about 300 points over [from_ms, to_ms), whole seconds, at least one.
int64_t DefaultStepMs(int64_t from_ms, int64_t to_ms);

// One series per matching series (labels without __name__), or one per group (only the
// group_by labels), sorted by labels. INVALID_ARGUMENT: empty name, from after to, a step that
// is not positive, or more than 11,000 points.
absl::StatusOr<promql::Matrix> QuerySteps(const promql::SeriesSource& source,
                                          const StepQuery& query);

}  // namespace datamesh::monitoring
