// A test SeriesSource: raw samples in memory and their rollups built on the fly with RollUp, as
// the store builds them, for the layout it is given (raw samples read only from raw_since_ms
// on). For comparing answers over rollups with answers over the raw samples.
#pragma once

#include <algorithm>
#include <limits>
#include <map>

#include "services/monitoring/promql/memory_series_source.h"
#include "services/monitoring/store/rollup_points.h"

namespace datamesh::monitoring::store {

class RolledUpSource final : public promql::SeriesSource {
 public:
  RolledUpSource(const promql::MemorySeriesSource& raw, promql::StorageLayout layout)
      : raw_(raw), layout_(std::move(layout)) {}

  absl::StatusOr<std::vector<promql::Series>> Select(
      const std::vector<promql::LabelMatcher>& matchers, int64_t from_ms,
      int64_t to_ms) const override {
    return raw_.Select(matchers, std::max(from_ms, layout_.raw_since_ms), to_ms);
  }
  promql::StorageLayout Layout() const override { return layout_; }
  absl::StatusOr<std::vector<promql::RollupSeries>> SelectRollups(
      const std::vector<promql::LabelMatcher>& matchers, int64_t resolution_ms, int64_t from_ms,
      int64_t to_ms) const override {
    ++rollup_reads[resolution_ms];
    absl::StatusOr<std::vector<promql::Series>> series =
        raw_.Select(matchers, std::numeric_limits<int64_t>::min() / 2, to_ms + resolution_ms);
    if (!series.ok()) return series.status();
    std::vector<promql::RollupSeries> out;
    for (const promql::Series& s : *series) {
      promql::RollupSeries r{s.labels, {}};
      for (const promql::RollupPoint& p : RollUp(s.samples, resolution_ms)) {
        if (p.t >= from_ms && p.t <= to_ms) r.points.push_back(p);
      }
      out.push_back(std::move(r));
    }
    return out;
  }
  // Reads per resolution.
  mutable std::map<int64_t, int> rollup_reads;

 private:
  const promql::MemorySeriesSource& raw_;
  const promql::StorageLayout layout_;
};

}  // namespace datamesh::monitoring::store
