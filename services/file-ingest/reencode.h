// Re-encoding: moving a stored content from the erasure shape it was written with to the
// current one (after governance changed erasure.dataShards / erasure.parityShards).
//
// Per segment, SegmentReencoder reads k verified shards of the old shape (data shards first,
// parity standing in for any that cannot be read or do not match their id), decodes the sealed
// segment -- no decryption: the sealed bytes (payload and GCM tag) are what both shapes cut
// into shards, so the segment's AAD, nonce and hashes stay as they are --, encodes it with the
// new codec, has dht place the k' + m' new shards on k' + m' distinct nodes and writes them
// (through an intent-recording ShardStore, so GC leaves them alone until the manifest points
// at them). It never writes fewer than k' + m' shards on distinct nodes: a segment that cannot
// be placed that way fails with UNAVAILABLE and its content is retried later, keeping its old
// shards meanwhile, so no file is ever less durable than either shape on the way.
//
// The switch of the manifest and the freeing of the old shards are the store's
// (reencode_store.h); the job (MaintenanceRunner, reencode_job.cc) walks the contents.
//
// Thread-safe: SegmentReencoder keeps no state between calls; ReencodeThrottle is used by one
// job thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/file-ingest/manifest.h"
#include "services/file-ingest/shard_backend.h"
#include "shared/erasure/erasure_codec.h"

namespace datamesh::file_ingest {

// A stored segment as the re-encoder needs it.
struct StoredSegment {
  uint64_t index = 0;
  uint64_t stored_size = 0;  // payload bytes before the GCM tag
  uint64_t shard_size = 0;
  std::vector<ShardRecord> shards;  // by shard index
};

// A stored content's shape and segments.
struct StoredContent {
  std::string content_id;
  std::string codec_id;
  int data_shards = 0;
  int parity_shards = 0;
  std::vector<StoredSegment> segments;
};

// The segment with its shards in the new shape, written to their nodes.
struct ReencodedSegment {
  uint64_t index = 0;
  uint64_t shard_size = 0;
  std::vector<ShardRecord> shards;  // k' + m', by index, each on its own node
};

// Whether a content of shape k + m must be re-encoded for the target shape.
inline bool NeedsReencode(int k, int m, const erasure::ErasureCodec& target) {
  return k != target.data_shards() || m != target.parity_shards();
}

// Bytes of a sealed segment (payload and GCM tag), which is what shards are cut from.
uint64_t SealedSize(uint64_t stored_size);

// Holds a job to `bytes_per_second` on average: After(n) returns how long to wait once n more
// bytes were processed, from the totals since Start. Pure arithmetic; the caller sleeps.
class ReencodeThrottle {
 public:
  explicit ReencodeThrottle(int64_t bytes_per_second) : rate_(bytes_per_second) {}
  void Start(absl::Time now) { start_ = now, bytes_ = 0; }
  // The wait before the next segment, given that `bytes` more were just done at `now`.
  absl::Duration After(uint64_t bytes, absl::Time now);

 private:
  const int64_t rate_;  // <= 0: unthrottled
  absl::Time start_ = absl::UnixEpoch();
  uint64_t bytes_ = 0;
};

class SegmentReencoder {
 public:
  // Both must outlive the re-encoder.
  SegmentReencoder(Placement& placement, ShardStore& shards)
      : placement_(placement), shards_(shards) {}

  // Re-encodes one segment of `content` with `target` and writes the new shards.
  // DATA_LOSS when fewer than k shards are readable and verified; UNAVAILABLE when the new
  // shards cannot be placed on k' + m' distinct nodes or a write fails (nothing is switched;
  // the shards written so far are the caller's to free).
  [[nodiscard]] absl::StatusOr<ReencodedSegment> Reencode(const StoredContent& content,
                                                          const StoredSegment& segment,
                                                          const erasure::ErasureCodec& target,
                                                          std::vector<ShardRecord>* written);

 private:
  Placement& placement_;
  ShardStore& shards_;
};

}  // namespace datamesh::file_ingest
