#include "services/chunk-store/chunk_store_metrics.h"

#include <string>

#include "absl/strings/ascii.h"

namespace datamesh::chunk_store {
namespace {

prometheus::Family<prometheus::Counter>& CounterFamily(prometheus::Registry& r,
                                                       const std::string& name,
                                                       const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

prometheus::Gauge& Gauge(prometheus::Registry& r, const std::string& name,
                         const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

std::string Reason(absl::StatusCode code) {
  return absl::AsciiStrToLower(absl::StatusCodeToString(code));
}

}  // namespace

ChunkStoreMetrics::ChunkStoreMetrics(prometheus::Registry& r)
    : written_bytes_(CounterFamily(r, "datamesh_chunk_store_written_bytes_total",
                                   "Shard bytes written to disk")
                         .Add({})),
      read_bytes_(CounterFamily(r, "datamesh_chunk_store_read_bytes_total",
                                "Shard bytes served by GetShard")
                      .Add({})),
      shards_(Gauge(r, "datamesh_chunk_store_shards", "Shards held")),
      used_bytes_(Gauge(r, "datamesh_chunk_store_used_bytes", "Bytes of shards held")),
      capacity_bytes_(Gauge(r, "datamesh_chunk_store_capacity_bytes", "Bytes the node may hold")),
      puts_(CounterFamily(r, "datamesh_chunk_store_puts_total", "Successful PutShard calls")),
      put_errors_(CounterFamily(r, "datamesh_chunk_store_put_errors_total",
                                "Failed PutShard calls by reason")),
      get_errors_(CounterFamily(r, "datamesh_chunk_store_get_errors_total",
                                "Failed GetShard calls by reason")),
      scrubbed_bytes_(CounterFamily(r, "datamesh_chunk_store_scrubbed_bytes_total",
                                    "Shard bytes re-hashed by Scrub")
                          .Add({})),
      scrub_corrupt_(CounterFamily(r, "datamesh_chunk_store_scrub_corrupt_shards_total",
                                   "Corrupt shards found by Scrub")
                         .Add({})) {}

void ChunkStoreMetrics::PutDone(uint64_t bytes_written, bool already_present) {
  written_bytes_.Increment(static_cast<double>(bytes_written));
  puts_.Add({{"result", already_present ? "already_present" : "stored"}}).Increment();
}

void ChunkStoreMetrics::PutFailed(absl::StatusCode code) {
  put_errors_.Add({{"reason", Reason(code)}}).Increment();
}

void ChunkStoreMetrics::GetFailed(absl::StatusCode code) {
  get_errors_.Add({{"reason", Reason(code)}}).Increment();
}

void ChunkStoreMetrics::Scrubbed(uint64_t bytes, uint64_t corrupt) {
  scrubbed_bytes_.Increment(static_cast<double>(bytes));
  scrub_corrupt_.Increment(static_cast<double>(corrupt));
}

void ChunkStoreMetrics::SetUsage(const StoreUsage& usage) {
  shards_.Set(static_cast<double>(usage.shard_count));
  used_bytes_.Set(static_cast<double>(usage.used_bytes));
  capacity_bytes_.Set(static_cast<double>(usage.capacity_bytes));
}

}  // namespace datamesh::chunk_store
