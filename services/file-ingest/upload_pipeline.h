// UploadPipeline: streams one upload's bytes through segmenting, compression, encryption and
// erasure coding onto storage nodes, and returns what the manifest needs.
//
// Each segment becomes a job on its own thread (encode, place via dht, PutShard to its k + m
// nodes in parallel); at most `segments_in_flight` jobs run at once, and Write() blocks while
// the window is full, so memory stays bounded (about segments_in_flight x 3 segments) whatever
// the file's size. A shard whose node fails is re-placed once per attempt on a node the
// segment does not use yet. A file whose whole content is at most `inline_max_bytes` is sealed
// in one piece for the manifest instead (no shards).
//
// In discard mode (the owner already stores content with the declared SHA-256) bytes are only
// counted and hashed, and nothing is written.
//
// Not thread-safe (one per upload); the destructor waits for running jobs.
#pragma once

#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/file-ingest/manifest.h"
#include "services/file-ingest/segmenter.h"
#include "services/file-ingest/shard_backend.h"
#include "shared/crypto/hash.h"
#include "shared/crypto/secret.h"
#include "shared/erasure/erasure_codec.h"

namespace datamesh::file_ingest {

struct PipelineOptions {
  uint64_t segment_bytes = 4 << 20;
  uint64_t inline_max_bytes = 4096;
  int segments_in_flight = 4;
  // Segments a download reads ahead of the one it streams.
  int prefetch_segments = 2;
  // Placements tried for one shard before the upload fails.
  int put_attempts = 3;
};

// What the pipeline produced for the manifest.
struct UploadOutcome {
  uint64_t size = 0;
  std::string sha256;  // hex
  std::optional<std::string> inline_sealed;
  bool inline_compressed = false;
  std::vector<SegmentRecord> segments;
  std::string merkle_root;    // hex
  uint64_t stored_bytes = 0;  // shard bytes written, parity included
};

// The identity of the content being written: what its segments' nonces and AADs bind.
struct ContentKey {
  std::string content_id;
  std::string nonce_prefix;  // kNoncePrefixSize random bytes
  const crypto::SecretBytes* data_key = nullptr;
};

class UploadPipeline {
 public:
  UploadPipeline(const PipelineOptions& options, const erasure::ErasureCodec& codec,
                 Placement& placement, ShardStore& shards, ContentKey key, bool discard);
  ~UploadPipeline();
  UploadPipeline(const UploadPipeline&) = delete;
  UploadPipeline& operator=(const UploadPipeline&) = delete;

  [[nodiscard]] absl::Status Write(std::string_view data);
  // Flushes the last segment and waits for every job. Call once.
  [[nodiscard]] absl::StatusOr<UploadOutcome> Finish();

  uint64_t bytes_received() const { return received_; }
  // Plaintext bytes whose segments are durable on their nodes (collected so far).
  uint64_t bytes_stored() const { return stored_plain_; }
  // Every shard acknowledged so far (for clean-up when the upload does not commit). Waits for
  // running jobs first.
  std::vector<ShardRecord> WrittenShards();

 private:
  absl::Status OnSegment(std::string plain, uint64_t index, bool final);
  // Waits for the oldest job and records its segment.
  absl::Status CollectOldest();
  absl::StatusOr<SegmentRecord> StoreSegment(std::string plain, uint64_t index, bool final);
  // Writes a shard whose first PUT (to rec->node) failed with `failure`: on another node, or
  // on the same one again after a pause when no other can take it and the failure may pass.
  absl::Status PutWithRetry(const std::string& key, std::string_view shard, ShardRecord* rec,
                            uint64_t shard_size, std::vector<std::string>* used,
                            absl::Status failure);

  const PipelineOptions options_;
  const erasure::ErasureCodec& codec_;
  Placement& placement_;
  ShardStore& shards_;
  const ContentKey key_;
  const bool discard_;
  Segmenter segmenter_;
  crypto::Sha256Hasher hasher_;
  uint64_t received_ = 0;
  uint64_t stored_plain_ = 0;
  std::deque<std::future<absl::StatusOr<SegmentRecord>>> in_flight_;
  UploadOutcome outcome_;
  std::mutex written_mu_;
  std::vector<ShardRecord> written_;
};

}  // namespace datamesh::file_ingest
