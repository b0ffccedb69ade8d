#include "services/monitoring/promql/memory_series_source.h"

#include <algorithm>

namespace datamesh::monitoring::promql {

absl::Status MemorySeriesSource::Add(const Labels& labels, int64_t t_ms, double value) {
  Series& s = series_[LabelsKey(labels)];
  if (s.samples.empty()) s.labels = labels;
  if (!s.samples.empty() && s.samples.back().t >= t_ms) {
    return absl::InvalidArgumentError("samples of a series must be added in time order");
  }
  s.samples.push_back({t_ms, value});
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Series>> MemorySeriesSource::Select(
    const std::vector<LabelMatcher>& matchers, int64_t from_ms, int64_t to_ms) const {
  std::vector<Series> out;
  for (const auto& [key, s] : series_) {
    if (!MatchesAll(matchers, s.labels)) continue;
    auto lo = std::lower_bound(s.samples.begin(), s.samples.end(), from_ms,
                               [](const SamplePoint& p, int64_t t) { return p.t < t; });
    auto hi = std::upper_bound(s.samples.begin(), s.samples.end(), to_ms,
                               [](int64_t t, const SamplePoint& p) { return t < p.t; });
    if (lo >= hi) continue;
    out.push_back(Series{s.labels, std::vector<SamplePoint>(lo, hi)});
  }
  return out;
}

}  // namespace datamesh::monitoring::promql
