// ReencodeStore: what the re-encode job reads and writes in PostgreSQL (schema `files`).
//
// The switch is one transaction per content: the content's shape is recorded per content
// (codec id, k, m), so all of its segments move together. It locks the content row, checks
// that the content and every shard row are still what the job read (a file deleted,
// replaced, repaired or audited meanwhile changes them), then replaces the shard rows, the
// segments' shard sizes and the content's shape, and queues the old shards for deletion after
// `free_delay` (downloads that read the manifest before the switch still find them; the
// deletion worker re-checks references under each shard's lock, so a shard another content
// shares stays).
//
// Thread-safe: every call leases its own pooled connection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/file-ingest/reencode.h"
#include "shared/pg/pool.h"

namespace datamesh::file_ingest {

// Segmented contents of one shape.
struct ShapeTotals {
  int data_shards = 0;
  int parity_shards = 0;
  uint64_t contents = 0;
  uint64_t sealed_bytes = 0;
};

// A re-encode job's saved position (files.maintenance_jobs).
struct ReencodeProgress {
  std::string target;  // "<k>+<m>"
  std::string cursor;  // last content id handled
  uint64_t bytes = 0;  // sealed segment bytes re-encoded
};

class ReencodeStore {
 public:
  explicit ReencodeStore(pg::Pool& pool) : pool_(pool) {}

  // Up to `limit` ids, ascending after `after`, of segmented contents whose shape is not k+m.
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> ListStale(int k, int m,
                                                                   const std::string& after,
                                                                   int limit);
  // Contents and sealed bytes (sum of segments) whose shape is not k+m.
  [[nodiscard]] absl::StatusOr<std::pair<uint64_t, uint64_t>> CountStale(int k, int m);
  // Every shape stored, with its segmented contents and sealed bytes, by k then m.
  [[nodiscard]] absl::StatusOr<std::vector<ShapeTotals>> UsageByShape();
  // The content's shape and segments. NOT_FOUND when it is gone.
  [[nodiscard]] absl::StatusOr<StoredContent> Load(const std::string& content_id);
  // See the banner. False (nothing changed) when the content is gone or changed since `old`
  // was loaded.
  [[nodiscard]] absl::StatusOr<bool> Switch(const StoredContent& old, const std::string& codec_id,
                                            int k, int m,
                                            const std::vector<ReencodedSegment>& segments,
                                            absl::Duration free_delay);
  // Queues shards for deletion now (new shards of a content that was not switched).
  [[nodiscard]] absl::Status Free(const std::vector<ShardRecord>& shards);

  // Progress of a running job, written with its counters and message.
  [[nodiscard]] absl::Status SaveProgress(const std::string& job_id, const ReencodeProgress& p,
                                          uint64_t examined, uint64_t fixed,
                                          const std::string& message);
  // Marks the jobs an earlier process of this instance left queued or running as failed (it
  // is dead: instance ids are stable across restarts), so a new job can start at once.
  [[nodiscard]] absl::Status AbandonEarlierRun(const std::string& instance_id);
  // Where to resume for `target`: the position of the latest re-encode job when that job
  // targeted the same shape and did not succeed (a crash or a stop), else the start.
  [[nodiscard]] absl::StatusOr<ReencodeProgress> ResumePoint(const std::string& job_id,
                                                             const std::string& target);

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::file_ingest
