// Prometheus metrics of a chunk-store, registered on the service's registry:
//   datamesh_chunk_store_written_bytes_total      shard bytes written to disk (new shards only)
//   datamesh_chunk_store_read_bytes_total         shard bytes served by GetShard
//   datamesh_chunk_store_shards                   shards held (gauge)
//   datamesh_chunk_store_used_bytes               bytes of shards held (gauge)
//   datamesh_chunk_store_capacity_bytes           bytes the node may hold (gauge)
//   datamesh_chunk_store_puts_total{result}       PutShard calls: stored / already_present
//   datamesh_chunk_store_put_errors_total{reason} failed PutShard calls by status code
//   datamesh_chunk_store_get_errors_total{reason} failed GetShard calls by status code
//   datamesh_chunk_store_scrubbed_bytes_total / scrub_corrupt_shards_total
//
// Thread-safe (prometheus-cpp metrics are). The registry must outlive this object.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/chunk-store/shard_store.h"

namespace datamesh::chunk_store {

class ChunkStoreMetrics {
 public:
  explicit ChunkStoreMetrics(prometheus::Registry& registry);

  void PutDone(uint64_t bytes_written, bool already_present);
  void PutFailed(absl::StatusCode code);
  void BytesRead(uint64_t n) { read_bytes_.Increment(static_cast<double>(n)); }
  void GetFailed(absl::StatusCode code);
  void Scrubbed(uint64_t bytes, uint64_t corrupt);
  void SetUsage(const StoreUsage& usage);

 private:
  prometheus::Counter& written_bytes_;
  prometheus::Counter& read_bytes_;
  prometheus::Gauge& shards_;
  prometheus::Gauge& used_bytes_;
  prometheus::Gauge& capacity_bytes_;
  prometheus::Family<prometheus::Counter>& puts_;
  prometheus::Family<prometheus::Counter>& put_errors_;
  prometheus::Family<prometheus::Counter>& get_errors_;
  prometheus::Counter& scrubbed_bytes_;
  prometheus::Counter& scrub_corrupt_;
};

}  // namespace datamesh::chunk_store
