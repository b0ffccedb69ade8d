// Rollup points (promql::RollupPoint): raw samples rolled up into fixed intervals, and their
// compressed form in monitoring.rollups (migrations/0007_rollups.sql).
//
// Stored layout: one sealed sample chunk (chunks/chunk_codec.h) per column, every column's
// timestamps the interval starts, so the codec's delta-of-delta and integer paths apply to each
// aggregate on its own (a counter's `first`/`last` climb steadily, its `correction` is nearly
// always 0, the sample times are small whole offsets):
//
//   +---------+---------------+--------------------------------------------------------+
//   | version | columns (= 9) | per column: LEB128 length, sealed chunk                |
//   | 1 byte  | 1 byte        | count, sum, min, max, first, last, correction,         |
//   |         |               | first_t - t, last_t - t                                |
//   +---------+---------------+--------------------------------------------------------+
//
// Each chunk carries its own CRC-32C. Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/monitoring/promql/series_source.h"

namespace datamesh::monitoring::store {

// `t` rounded down to a multiple of `step` (> 0), also for times before the epoch.
inline int64_t FloorTo(int64_t t, int64_t step) {
  const int64_t q = t / step;
  return (t % step < 0 ? q - 1 : q) * step;
}

// The intervals of `resolution_ms` that `samples` (ascending, unique times) fall in, each with
// the aggregates of its samples; staleness markers are left out (an interval of only markers
// is none).
std::vector<promql::RollupPoint> RollUp(const std::vector<promql::SamplePoint>& samples,
                                        int64_t resolution_ms);

// `points` (ascending t, at least one) in the stored layout.
std::string EncodeRollups(const std::vector<promql::RollupPoint>& points);

// The stored layout back to points, bit-exact. DATA_LOSS when anything is corrupt or truncated,
// or when the columns disagree.
absl::StatusOr<std::vector<promql::RollupPoint>> DecodeRollups(std::string_view bytes);

}  // namespace datamesh::monitoring::store
