#include "services/monitoring/promql/series_source.h"

#include <map>

namespace datamesh::monitoring::promql {

absl::StatusOr<std::vector<Labels>> SeriesSource::FindSeries(
    const std::vector<std::vector<LabelMatcher>>& selectors, int64_t from_ms, int64_t to_ms) const {
  std::map<std::string, Labels> found;
  for (const std::vector<LabelMatcher>& matchers : selectors) {
    absl::StatusOr<std::vector<Series>> series = Select(matchers, from_ms, to_ms);
    if (!series.ok()) return series.status();
    for (Series& s : *series) {
      if (!s.samples.empty()) found.emplace(LabelsKey(s.labels), std::move(s.labels));
    }
  }
  std::vector<Labels> out;
  out.reserve(found.size());
  for (auto& [key, labels] : found) out.push_back(std::move(labels));
  return out;
}

absl::StatusOr<std::vector<RollupSeries>> SeriesSource::SelectRollups(
    const std::vector<LabelMatcher>&, int64_t, int64_t, int64_t) const {
  return std::vector<RollupSeries>{};
}

}  // namespace datamesh::monitoring::promql
