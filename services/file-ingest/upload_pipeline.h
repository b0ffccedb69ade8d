// UploadPipeline: streams one upload's bytes through segmenting, compression, encryption and
// erasure coding onto storage nodes, and returns what the manifest needs.
//
// Each segment becomes a job on the process's segment pool (place via dht, PutShard to its
// nodes in parallel on the shard I/O pool), which has its encoding done on the coding pool
// (worker_pool.h); at most `segments_in_flight` jobs of one upload are out at once, and Write()
// blocks while that window is full or the shared pool's queue is, so memory stays bounded
// (about segments_in_flight x 3 segments per upload, and the pools' bound across uploads)
// whatever the file's size. With a SegmentBudget, every segment past the first
// `inline_max_bytes` of the file is charged against it from its first byte until its job ends
// (only its shard block once encoded; until its last late write ends if it left some running),
// so the segments of all uploads together stay within one process-wide bound. A file whose whole
// content is at most `inline_max_bytes` is sealed in one piece for the manifest instead (no
// shards).
//
// No wait for the slowest node: with LateShards, a segment whose written shards meet the
// quorum waits `late_shard_grace` more for the rest, then is acknowledged; a write still
// running is recorded kWriting and finished in the background, or -- when the late-write
// memory budget is spent -- cancelled and placed elsewhere like a failed one. A shard no
// attempt could write is recorded kMissing (no node), and repair writes it.
//
// Degraded writes: a segment asks dht for up to k + m distinct nodes; with fewer, shard i goes
// to node i % count (as even as possible), so one node may hold several shards of a segment.
// The segment is acknowledged once the shards actually written survive `write_tolerance` more
// node losses (the write quorum: dropping the nodes holding the most shards still leaves k),
// e.g. 4+2 on 5, 4 or 3 nodes survives one loss, on 2 nodes none. Otherwise the upload fails
// with UNAVAILABLE marked kStorageNodesPayload. A shard whose PUT failed moves, per attempt, to
// a node the segment does not use yet, else to the live node of the segment holding fewest of
// its shards, else (a passing failure) to the same node after a pause. Repair's spread pass
// moves doubled-up shards apart once enough nodes are up again.
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
#include "services/file-ingest/late_shards.h"
#include "services/file-ingest/manifest.h"
#include "services/file-ingest/segment_budget.h"
#include "services/file-ingest/segmenter.h"
#include "services/file-ingest/shard_backend.h"
#include "services/file-ingest/shard_puts.h"
#include "services/file-ingest/worker_pool.h"
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
  // Placements tried for one shard before it counts as not written.
  int put_attempts = 3;
  // Node losses the written shards of every segment must survive before it is acknowledged;
  // values below 1 count as 1 (a segment one loss away from data loss is never acknowledged).
  int write_tolerance = 1;
  // Once a segment's written shards meet the write quorum, how long it still waits for the
  // others before leaving them to LateShards (when the pipeline has one).
  absl::Duration late_shard_grace = absl::Milliseconds(500);
  // A shard read still running this long is cancelled and another shard read instead, when the
  // segment can still be read without it (SegmentReader).
  absl::Duration shard_read_grace = absl::Seconds(2);
  // The worker pools segments and shard I/O run on; null: TransferPools::Shared(). Must
  // outlive every pipeline and reader using it.
  TransferPools* pools = nullptr;
  // Memory all uploads' segments may hold at once (segment_budget.h); null: no bound beyond
  // the pools'. Must outlive every pipeline using it.
  SegmentBudget* budget = nullptr;
};

// options.pools, or the process's pools.
inline TransferPools& PoolsOf(const PipelineOptions& options) {
  return options.pools != nullptr ? *options.pools : TransferPools::Shared();
}

// What the pipeline produced for the manifest.
struct UploadOutcome {
  uint64_t size = 0;
  std::string sha256;  // hex
  std::optional<std::string> inline_sealed;
  bool inline_compressed = false;
  std::vector<SegmentRecord> segments;
  std::string merkle_root;    // empty: segments are no longer hashed (nothing read them)
  uint64_t stored_bytes = 0;  // shard bytes written, parity included
};

// The identity of the content being written: what its segments' nonces and AADs bind.
struct ContentKey {
  std::string content_id;
  std::string nonce_prefix;  // kNoncePrefixSize random bytes
  const crypto::SecretBytes* data_key = nullptr;
  // The file's declared content type: segments of already compressed types skip zstd.
  std::string content_type;
  // The index of the stream's first segment; the others follow it. Non-zero for a multipart
  // upload's part (multipart_index.h), whose segments are sealed non-final and never inline.
  uint64_t first_segment_index = 0;
};

class UploadPipeline {
 public:
  // `shards_owner` keeps `shards` alive for writes that outlive the pipeline (may be null
  // when `shards` outlives every write anyway). Without `late`, every segment waits for all
  // of its shard writes.
  UploadPipeline(const PipelineOptions& options, const erasure::ErasureCodec& codec,
                 Placement& placement, ShardStore& shards, ContentKey key, bool discard,
                 LateShards* late = nullptr, std::shared_ptr<const void> shards_owner = nullptr);
  ~UploadPipeline();
  UploadPipeline(const UploadPipeline&) = delete;
  UploadPipeline& operator=(const UploadPipeline&) = delete;

  [[nodiscard]] absl::Status Write(std::string_view data);
  // Flushes the last segment and waits for every job. Call once.
  [[nodiscard]] absl::StatusOr<UploadOutcome> Finish();

  uint64_t bytes_received() const { return received_; }
  // Plaintext bytes whose segments are durable on their nodes (collected so far).
  uint64_t bytes_stored() const { return stored_plain_; }
  // The segments collected so far, in order (their shards' states tell which were acknowledged).
  const std::vector<SegmentRecord>& collected_segments() const { return outcome_.segments; }
  // Every shard acknowledged so far (for clean-up when the upload does not commit). Waits for
  // running jobs first.
  std::vector<ShardRecord> WrittenShards();
  // The writes left running (kWriting shards) so far; hand them to LateShards::Settle after
  // the commit, or ::Abandon without one. Waits for running jobs first.
  std::vector<LateWrite> TakeLateWrites();

 private:
  absl::Status OnSegment(PlainSegment plain, uint64_t index, bool final);
  // Waits for the oldest job and records its segment.
  absl::Status CollectOldest();
  // `grant` is the segment's budget charge: shrunk to the shard block once encoded, and handed
  // to the late writes when some are left running.
  absl::StatusOr<SegmentRecord> StoreSegment(PlainSegment plain, uint64_t index, bool final,
                                             SegmentBudget::Grant& grant);
  struct SegmentWrites;
  // Waits for the first writes of a segment: all of them, or -- with LateShards -- until the
  // quorum has held for the grace. Records the acknowledged ones in `writes`; returns the
  // failed ones (index, status) and leaves the unfinished ones in `running`.
  std::vector<std::pair<int, absl::Status>> AwaitFirstWrites(ShardPuts& puts,
                                                             const SegmentRecord& rec,
                                                             SegmentWrites& writes,
                                                             std::vector<int>& running);
  // Leaves the still-running writes to LateShards (marking them kWriting) when the budget
  // allows; otherwise cancels them and returns those that did not land.
  std::vector<std::pair<int, absl::Status>> LeaveOrCancel(const std::shared_ptr<ShardPuts>& puts,
                                                          const std::vector<int>& running,
                                                          uint64_t block_bytes, SegmentRecord& rec,
                                                          SegmentWrites& writes,
                                                          SegmentBudget::Grant& grant);
  // Writes a shard whose first PUT (to rec->node) failed with `failure` elsewhere (see the
  // order above), updating rec->node; false when every attempt failed.
  bool PutWithRetry(const std::string& key, std::string_view shard, ShardRecord* rec,
                    uint64_t shard_size, SegmentWrites& writes, absl::Status failure);
  // Whether `up` nodes can hold a segment so it survives write_tolerance losses.
  absl::Status CheckNodesUp(size_t up) const;
  // Whether the shards segment `index` actually wrote survive write_tolerance losses.
  absl::Status CheckWritten(const SegmentWrites& writes, uint64_t index) const;

  const PipelineOptions options_;
  const int tolerance_;  // options_.write_tolerance, at least 1
  const erasure::ErasureCodec& codec_;
  Placement& placement_;
  ShardStore& shards_;
  const ContentKey key_;
  const bool discard_;
  const bool compress_;  // whether segments try zstd (not for known compressed types)
  // What one segment may hold at its peak: the plaintext and the shard block it is encoded
  // into (charged to options_.budget).
  const uint64_t segment_charge_;
  // The budget held for the segment being filled, if any.
  SegmentBudget::Grant filling_;
  Segmenter segmenter_;
  crypto::Sha256Hasher hasher_;
  uint64_t received_ = 0;
  uint64_t stored_plain_ = 0;
  std::deque<std::future<absl::StatusOr<SegmentRecord>>> in_flight_;
  UploadOutcome outcome_;
  LateShards* const late_;
  const std::shared_ptr<const void> shards_owner_;
  std::mutex written_mu_;
  std::vector<ShardRecord> written_;  // acknowledged, and left running (kWriting)
  std::vector<LateWrite> late_writes_;
};

}  // namespace datamesh::file_ingest
