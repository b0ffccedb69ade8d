// ManifestStore: the file manifests in PostgreSQL (schema `files`, migrations/).
//
// Every query that names a file filters by owner, so another owner's file id reads as
// NOT_FOUND exactly like a missing one. Commits and deletes write their durable event into
// files.outbox in the same transaction (published after commit; see OutboxPublisher).
//
// Thread-safe: each call leases its own connection from the pool.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/file-ingest/manifest.h"
#include "shared/pg/pool.h"

namespace datamesh::file_ingest {

// A file an S3 put replaced (CommitOptions::replaced_event), with its file.deleted event.
struct ReplacedFile {
  FileRecord file;
  std::string event;
  int64_t outbox_id = 0;
};

struct CommitResult {
  FileRecord file;            // as committed (timestamps set; content may be an earlier one)
  bool deduplicated = false;  // the file links to content the owner already stored
  int64_t outbox_id = 0;
  std::vector<ReplacedFile> replaced;  // S3 puts only
};

// Builds the serialized durable event for a change, from the committed record; called inside
// the transaction, maybe more than once (retries), so it must be pure.
using EventMaker = std::function<std::string(const FileRecord&, bool deduplicated)>;

struct CommitOptions {
  // `segments` is empty and links to an earlier content (see CommitFile).
  bool link_only = false;
  // Set: S3 PUT semantics. The file's name must start with "<bucket>/" for a bucket of its
  // owner (else NOT_FOUND, nothing committed); the bucket row is held FOR SHARE until commit,
  // so DeleteBucket's emptiness check (buckets_store.h) cannot miss the file. Every other file
  // of the owner with exactly this name is deleted in the same transaction, as DeleteFile
  // deletes, with the event this makes for it. Same-name commits are serialized by a
  // transaction-scoped advisory lock on (owner, name): the last to commit wins.
  EventMaker replaced_event;
};

struct ListPage {
  std::vector<FileRecord> files;
  std::optional<std::string> next_cursor;
};

// A committed file as quota counts it (ListStoredFiles).
struct StoredFileRow {
  std::string file_id;
  std::string owner_id;
  uint64_t size = 0;
  absl::Time created_at;
};

struct UsageTotals {
  uint64_t file_count = 0;
  uint64_t logical_bytes = 0;
  uint64_t stored_bytes = 0;
  uint64_t owner_count = 0;
};

class ManifestStore {
 public:
  // `intent_ttl`: how long a shard intent stays live without a refresh (shard_intents.h).
  explicit ManifestStore(pg::Pool& pool, absl::Duration intent_ttl = absl::Seconds(30))
      : pool_(pool), intent_ttl_(intent_ttl) {}

  // Commits `file` with its content's `segments` in one transaction. When the owner already
  // has a content with the same SHA-256 and size, the file links to that one instead
  // (ref_count + 1) and the shards of `segments` are queued for deletion. When
  // `link_only` is set, `segments` must be empty and a matching earlier content must exist
  // (else ABORTED: it was deleted meanwhile; the client retries).
  [[nodiscard]] absl::StatusOr<CommitResult> CommitFile(const FileRecord& file,
                                                        const std::vector<SegmentRecord>& segments,
                                                        bool link_only, const EventMaker& event) {
    return CommitFile(file, segments, CommitOptions{link_only, {}}, event);
  }
  [[nodiscard]] absl::StatusOr<CommitResult> CommitFile(const FileRecord& file,
                                                        const std::vector<SegmentRecord>& segments,
                                                        const CommitOptions& options,
                                                        const EventMaker& event);

  // The owner's content with this SHA-256 (hex), if any.
  [[nodiscard]] absl::StatusOr<std::optional<ContentRecord>> FindContent(
      const std::string& owner_id, const std::string& sha256);

  // NOT_FOUND when no such file for this owner.
  [[nodiscard]] absl::StatusOr<FileRecord> GetFile(const std::string& owner_id,
                                                   const std::string& file_id);
  // The content's segments with their shards, in index order.
  [[nodiscard]] absl::StatusOr<std::vector<SegmentRecord>> GetSegments(
      const std::string& content_id);

  // A page of the owner's files ordered by name (bytes), then id. INVALID_ARGUMENT: bad cursor.
  [[nodiscard]] absl::StatusOr<ListPage> ListFiles(const std::string& owner_id,
                                                   const std::string& prefix, int limit,
                                                   const std::string& cursor);

  // Removes the file; when it was the content's last reference, the content goes too and its
  // shards are queued for deletion. Returns the deleted record. NOT_FOUND as GetFile.
  [[nodiscard]] absl::StatusOr<FileRecord> DeleteFile(const std::string& owner_id,
                                                      const std::string& file_id,
                                                      const EventMaker& event, int64_t* outbox_id);

  // Sets the name and/or the tags (nullopt: unchanged). NOT_FOUND as GetFile.
  [[nodiscard]] absl::StatusOr<FileRecord> UpdateMetadata(
      const std::string& owner_id, const std::string& file_id,
      const std::optional<std::string>& name,
      const std::optional<std::map<std::string, std::string>>& tags);

  // Queues shards (of an upload that did not commit) for deletion.
  [[nodiscard]] absl::Status EnqueueShardDeletions(const std::vector<ShardRecord>& shards);
  // Records how writes that outlived their segment's acknowledgement ended (kWriting shards
  // become kStored or kMissing); rows repair moved meanwhile stay as they are.
  [[nodiscard]] absl::Status SettleWritingShards(const std::vector<SettledShard>& settled);

  // Hands up to `limit` queued deletions to `fn`; those it deletes (OK) and those a manifest
  // references again leave the queue; failures stay with attempts + 1; those a live shard
  // intent names stay untouched until the writer is done. Each is re-checked under its
  // per-(shard, node) lock (shard_intents.h). Returns how many left.
  [[nodiscard]] absl::StatusOr<int> DrainShardDeletions(
      int limit, const std::function<absl::Status(const ShardDeletion&)>& fn);

  // Hands up to `limit` outbox events (oldest first) to `publish`; published ones are removed.
  [[nodiscard]] absl::StatusOr<int> DrainOutbox(
      int limit, const std::function<absl::Status(const std::string&)>& publish);
  // Removes one published outbox event.
  [[nodiscard]] absl::Status RemoveOutbox(int64_t id);

  // Totals for one owner, or all when empty.
  [[nodiscard]] absl::StatusOr<UsageTotals> Usage(const std::string& owner_id);
  // Up to `limit` committed files of every owner whose id sorts after `after`, in id order.
  [[nodiscard]] absl::StatusOr<std::vector<StoredFileRow>> ListStoredFiles(
      const std::string& after, int limit);

  // The pool this store runs on (the S3 view, buckets_store.h, shares it).
  pg::Pool& pool() const { return pool_; }

 private:
  pg::Pool& pool_;
  const absl::Duration intent_ttl_;
};

}  // namespace datamesh::file_ingest
