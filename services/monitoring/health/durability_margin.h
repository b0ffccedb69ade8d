// The durability margin in the health view: file-ingest's gauges (datamesh_segments_by_spare_shards,
// datamesh_files_lost, datamesh_durability_measured_timestamp_seconds; services/file-ingest/
// durability_gauges.h) as monitoring last scraped them, and the named check they raise:
//
//   DURABILITY_MARGIN  WARN  segments at their last spare shard: at most one spare left, fewer
//                            than their shape's m (the rule DataMeshSegmentsAtLastSpareShard's
//                            condition, without its `for`)
//                      ERR   segments with fewer than k live shards, and the files holding them
//
// Pure functions, thread-safe.
#pragma once

#include "datamesh/monitoring/v1/monitoring.pb.h"
#include "services/monitoring/promql/engine.h"

namespace datamesh::monitoring::health {

// The instant queries whose answers DurabilityFromSeries reads. Replicas of file-ingest that
// export the same figures during a hand-over count once (max).
inline constexpr char kSpareShardsQuery[] =
    "max by (parity, spare) (datamesh_segments_by_spare_shards)";
inline constexpr char kFilesLostQuery[] = "max(datamesh_files_lost)";
inline constexpr char kMeasuredAtQuery[] = "max(datamesh_durability_measured_timestamp_seconds)";

// The margin from those answers. No bucket series (file-ingest has not exported them within the
// lookback): `available` false with the reason, nothing else set.
v1::DurabilityMargin DurabilityFromSeries(const promql::Vector& spare_shards,
                                          const promql::Vector& files_lost,
                                          const promql::Vector& measured_at);

// Adds DURABILITY_MARGIN to `out` when the margin is available and not full enough.
void AddDurabilityCheck(const v1::DurabilityMargin& margin, v1::GetHealthResponse& out);

}  // namespace datamesh::monitoring::health
