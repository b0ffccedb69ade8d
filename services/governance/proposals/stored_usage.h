// What is stored in each erasure shape, for the impact of an erasure change (impact.h):
// file-ingest's GetUsageSummary (by_shape, the re-encode throttle), asked when a proposal is
// read. Without --file-ingest-addr, or when file-ingest does not answer in time, the impact
// says the bytes to re-encode are not known.
//
// Thread-safe: the source may be called from any gRPC thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace datamesh::governance::proposals {

struct StoredShape {
  int64_t data_shards = 0;
  int64_t parity_shards = 0;
  uint64_t files = 0;         // segmented contents
  uint64_t sealed_bytes = 0;  // what re-encoding reads and codes anew
};

struct StoredUsage {
  // The shape file-ingest writes new uploads with now (0 when not reported). Authoritative
  // over governance's parameter table, which holds what a proposal last set even when
  // file-ingest refused it.
  int64_t current_data_shards = 0;
  int64_t current_parity_shards = 0;
  std::vector<StoredShape> shapes;
  uint64_t reencode_bytes_per_second = 0;  // 0: unthrottled
};

using StoredUsageSource = std::function<absl::StatusOr<StoredUsage>()>;

// Asks file-ingest at `file_ingest_addr` (2 s deadline per call).
StoredUsageSource FileIngestUsageSource(const std::string& file_ingest_addr);

}  // namespace datamesh::governance::proposals
