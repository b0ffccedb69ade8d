// The parameters governance changes while file-ingest runs: the erasure shape of new uploads
// (erasure.dataShards, erasure.parityShards) and the audit rate (audit.ratePerMinute).
//
// LiveCodec holds the codec new uploads are coded with and swaps it atomically: an upload
// takes the codec once, when it starts, and records its id, k and m in its manifest, so an
// upload in flight finishes with the shape it started with. Codecs come from
// erasure::SharedCodecForId (kept for the process's life), so a pointer taken stays valid.
//
// LiveParamStore keeps the last applied value of each key in files.live_parameters, so a
// restart keeps what governance set: at start the stored values win over --data-shards,
// --parity-shards and --audit-rate (the flags are the values before any change).
//
// Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "shared/erasure/erasure_codec.h"
#include "shared/pg/pool.h"

namespace datamesh::file_ingest {

inline constexpr char kDataShardsKey[] = "erasure.dataShards";
inline constexpr char kParityShardsKey[] = "erasure.parityShards";
inline constexpr char kAuditRateKey[] = "audit.ratePerMinute";

class LiveCodec {
 public:
  // `initial` must outlive this object.
  explicit LiveCodec(const erasure::ErasureCodec* initial) : current_(initial) {}

  // The codec a new upload uses; never null.
  const erasure::ErasureCodec* Get() const { return current_.load(); }
  // Switches new uploads to RS(k, m) of the current codec's backend. INVALID_ARGUMENT for a
  // shape the codec refuses; nothing changes then.
  [[nodiscard]] absl::Status Set(int k, int m);

 private:
  std::atomic<const erasure::ErasureCodec*> current_;
};

class LiveParamStore {
 public:
  explicit LiveParamStore(pg::Pool& pool) : pool_(pool) {}

  // Every stored key and value.
  [[nodiscard]] absl::StatusOr<std::map<std::string, int64_t>> Load();
  // Stores `values` (absolute values: a repeat is harmless) in one transaction.
  [[nodiscard]] absl::Status Save(const std::map<std::string, int64_t>& values,
                                  const std::string& proposal_id);
  // Whether the event was handled already / records that it was.
  [[nodiscard]] absl::StatusOr<bool> Processed(const std::string& event_id);
  [[nodiscard]] absl::Status MarkProcessed(const std::string& event_id);

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::file_ingest
