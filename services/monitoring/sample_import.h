// Samples pushed rather than scraped (MonitoringService.ImportSamples, REST
// POST /monitoring/import): a Prometheus text or OpenMetrics body stored exactly as labelled,
// then flushed, so the call returns once the samples are in PostgreSQL.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/monitoring/store/sample_store.h"

namespace datamesh::monitoring {

struct ImportResult {
  uint64_t stored = 0;
  uint64_t refused = 0;  // at or before the last sample of their series
  uint64_t series = 0;   // distinct series the body names
};

// Samples without a timestamp take `now`. INVALID_ARGUMENT, with nothing stored, when the body
// does not parse or a label value is not valid UTF-8 (or holds NUL); RESOURCE_EXHAUSTED past
// the parser's limits; the store's error when the flush fails (the samples stay in memory and
// are written by the next flush).
absl::StatusOr<ImportResult> ImportSamples(store::SampleStore& store, std::string_view text,
                                           std::string_view content_type, absl::Time now);

}  // namespace datamesh::monitoring
