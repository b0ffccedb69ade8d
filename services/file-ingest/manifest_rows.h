// Internal to ManifestStore: SQL column lists and row/JSON conversions shared by its files.
#pragma once

#include <map>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/file-ingest/manifest.h"
#include "services/file-ingest/manifest_store.h"
#include "shared/pg/outbox.h"

namespace datamesh::file_ingest::internal {

// The events written with a commit, published after it (shared/pg/outbox.h).
inline constexpr char kOutboxTable[] = "files.outbox";

// Content columns, 14 of them, from alias c.
extern const char kContentColumns[];
// File columns (10) then content columns, from files f JOIN contents c.
extern const char kFileSelect[];
inline constexpr int kFileColumnCount = 10;

ContentRecord ContentFromRow(const pqxx::row& row, int first);
absl::StatusOr<FileRecord> FileFromRow(const pqxx::row& row);

// {"tags": {...}} (the SQL takes ->'tags'); parsed back by TagsFromJson.
absl::StatusOr<std::string> TagsToJson(const std::map<std::string, std::string>& tags);
absl::StatusOr<std::map<std::string, std::string>> TagsFromJson(const std::string& json);

// JSON arrays for jsonb_to_recordset inserts.
std::string SegmentsJson(const std::vector<SegmentRecord>& segments);
// Objects {g: segment index, i: shard index, h: shard id, n: node id, a: node address,
// t: state name}.
std::string ShardsJson(const std::vector<SegmentRecord>& segments);
std::string ShardListJson(const std::vector<ShardRecord>& shards);

// Inserts a content's segments and their shards (the content row exists).
void InsertSegments(pqxx::work& w, const std::string& content_id,
                    const std::vector<SegmentRecord>& segments);

// S3 PUT semantics (CommitOptions::replaced_event), first thing in the transaction: the
// (owner, name) advisory lock, then the bucket row FOR SHARE. NOT_FOUND: not in a bucket of
// the owner.
absl::Status LockForReplace(pqxx::work& w, const FileRecord& file);
// Deletes every other file of the owner named exactly like `file` (as DeleteFile does), with
// the event `event` makes for each, in the outbox.
absl::StatusOr<std::vector<ReplacedFile>> ReplaceSameName(pqxx::work& w, const FileRecord& file,
                                                          const EventMaker& event);

// Marks kWriting shards kStored or kMissing. Only rows still recorded as writing to that node
// change: repair may have moved the shard meanwhile, or the file gone.
void SettleWritingShards(pqxx::work& w, const std::vector<SettledShard>& settled);

}  // namespace datamesh::file_ingest::internal
