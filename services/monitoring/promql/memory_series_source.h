// An in-memory SeriesSource: what the unit tests and the Prometheus oracle test query.
//
// Not thread-safe while being filled; Select may be called concurrently afterwards.
#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"
#include "services/monitoring/promql/series_source.h"

namespace datamesh::monitoring::promql {

class MemorySeriesSource final : public SeriesSource {
 public:
  // Adds one sample to the series `labels` (which must include __name__). INVALID_ARGUMENT
  // unless it is later than the series' last sample.
  absl::Status Add(const Labels& labels, int64_t t_ms, double value);

  absl::StatusOr<std::vector<Series>> Select(const std::vector<LabelMatcher>& matchers,
                                             int64_t from_ms, int64_t to_ms) const override;

  size_t num_series() const { return series_.size(); }

 private:
  std::map<std::string, Series> series_;  // by LabelsKey: Select answers in label order
};

}  // namespace datamesh::monitoring::promql
