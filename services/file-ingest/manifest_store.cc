#include "services/file-ingest/manifest_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/file-ingest/manifest_rows.h"
#include "shared/crypto/encoding.h"
#include "shared/status/status.h"
#include "shared/text/utf8.h"

namespace datamesh::file_ingest {
namespace {

using internal::kContentColumns;
using internal::kFileSelect;

void InsertContent(pqxx::work& w, const ContentRecord& c, const std::vector<SegmentRecord>& segs) {
  w.exec_params(
      "INSERT INTO files.contents (id, owner_id, size, sha256, merkle_root, wrapped_key, "
      "key_version, nonce_prefix, codec_id, data_shards, parity_shards, segment_size, "
      "inline_data, inline_compressed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
      "$12, CASE WHEN $13 THEN $14::bytea END, $15)",
      c.id, c.owner_id, c.size, c.sha256, c.merkle_root, pqxx::binarystring(c.wrapped_key),
      c.key_version, pqxx::binarystring(c.nonce_prefix), c.codec_id, c.data_shards, c.parity_shards,
      c.segment_size, c.inline_data.has_value(), pqxx::binarystring(c.inline_data.value_or("")),
      c.inline_compressed);
  internal::InsertSegments(w, c.id, segs);
}

}  // namespace

namespace internal {

void InsertSegments(pqxx::work& w, const std::string& content_id,
                    const std::vector<SegmentRecord>& segs) {
  if (segs.empty()) return;
  w.exec_params(
      "INSERT INTO files.segments (content_id, idx, plain_size, stored_size, compressed, "
      "shard_size, sha256) SELECT $1, x.i, x.p, x.s, x.c, x.z, x.h FROM jsonb_to_recordset($2::"
      "jsonb) AS x(i bigint, p bigint, s bigint, c boolean, z bigint, h text)",
      content_id, SegmentsJson(segs));
  w.exec_params(
      "INSERT INTO files.shards (content_id, segment_idx, shard_idx, shard_id, node_id, "
      "node_address, state) SELECT $1, x.g, x.i, x.h, x.n, x.a, x.t FROM "
      "jsonb_to_recordset($2::jsonb) AS x(g bigint, i integer, h text, n text, a text, t text)",
      content_id, ShardsJson(segs));
}

}  // namespace internal

namespace {

void EnqueueJson(pqxx::work& w, const std::string& json) {
  w.exec_params(
      "INSERT INTO files.shard_deletions (shard_id, node_id, node_address) "
      "SELECT x.h, x.n, x.a FROM jsonb_to_recordset($1::jsonb) AS x(h text, n text, a text) "
      "WHERE x.n <> ''",  // a missing shard has no node to delete it from
      json);
}

// The owner's earliest content with these bytes, locked for the reference count.
std::optional<ContentRecord> FindContentLocked(pqxx::work& w, const std::string& owner,
                                               const std::string& sha256, uint64_t size) {
  pqxx::result r = w.exec_params(
      absl::StrCat("SELECT ", kContentColumns,
                   " FROM files.contents c WHERE c.owner_id = $1 AND c.sha256 = $2 AND "
                   "c.size = $3 ORDER BY c.created_at, c.id LIMIT 1 FOR UPDATE"),
      owner, sha256, size);
  if (r.empty()) return std::nullopt;
  return internal::ContentFromRow(r[0], 0);
}

absl::StatusOr<FileRecord> SelectFile(pqxx::transaction_base& w, const std::string& owner,
                                      const std::string& id, bool for_update) {
  pqxx::result r = w.exec_params(absl::StrCat(kFileSelect, "WHERE f.owner_id = $1 AND f.id = $2",
                                              for_update ? " FOR UPDATE OF f" : ""),
                                 owner, id);
  if (r.empty()) return absl::NotFoundError("no such file");
  return internal::FileFromRow(r[0]);
}

int64_t InsertOutbox(pqxx::work& w, const std::string& event) {
  return pg::AppendToOutbox(w, internal::kOutboxTable, event);
}

// Removes a file row locked by the caller; when it was its content's last reference the
// content goes too and its shards are queued for deletion. The one delete path: DeleteFile and
// the files an S3 put replaces both come through here.
void DeleteFileRow(pqxx::work& w, const FileRecord& file) {
  w.exec_params("DELETE FROM files.files WHERE id = $1", file.id);
  const std::string& content = file.content.id;
  int refs = w.exec_params1(
                  "UPDATE files.contents SET ref_count = ref_count - 1 WHERE id = $1 "
                  "RETURNING ref_count",
                  content)[0]
                 .as<int>();
  if (refs <= 0) {
    w.exec_params(
        "INSERT INTO files.shard_deletions (shard_id, node_id, node_address) "
        "SELECT shard_id, node_id, node_address FROM files.shards WHERE content_id = $1 "
        "AND state <> 'missing'",
        content);
    w.exec_params("DELETE FROM files.contents WHERE id = $1", content);
  }
}

}  // namespace

namespace internal {

// S3 PUT, first thing in the transaction (before any row lock, so two same-name commits
// cannot deadlock): serializes commits of this (owner, name), then holds the bucket row FOR
// SHARE. NOT_FOUND when the name is not in a bucket of the owner.
absl::Status LockForReplace(pqxx::work& w, const FileRecord& file) {
  w.exec_params("SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0))", file.owner_id,
                file.name);
  const size_t slash = file.name.find('/');
  if (slash == std::string::npos) return absl::NotFoundError("the name is not in a bucket");
  pqxx::result r =
      w.exec_params("SELECT 1 FROM files.buckets WHERE name = $1 AND owner_id = $2 FOR SHARE",
                    file.name.substr(0, slash), file.owner_id);
  if (r.empty()) return absl::NotFoundError("no such bucket");
  return absl::OkStatus();
}

// Deletes every other file of the owner named exactly like `file`, with one event each.
absl::StatusOr<std::vector<ReplacedFile>> ReplaceSameName(pqxx::work& w, const FileRecord& file,
                                                          const EventMaker& event) {
  std::vector<ReplacedFile> replaced;
  pqxx::result r = w.exec_params(
      absl::StrCat(kFileSelect,
                   "WHERE f.owner_id = $1 AND f.name COLLATE \"C\" = $2 AND f.id <> $3 "
                   "ORDER BY f.id FOR UPDATE OF f"),
      file.owner_id, file.name, file.id);
  for (const pqxx::row& row : r) {
    ASSIGN_OR_RETURN(FileRecord old, internal::FileFromRow(row));
    DeleteFileRow(w, old);
    ReplacedFile gone{old, event(old, false), 0};
    gone.outbox_id = InsertOutbox(w, gone.event);
    replaced.push_back(std::move(gone));
  }
  return replaced;
}

}  // namespace internal

absl::StatusOr<CommitResult> ManifestStore::CommitFile(const FileRecord& file,
                                                       const std::vector<SegmentRecord>& segments,
                                                       const CommitOptions& options,
                                                       const EventMaker& event) {
  ASSIGN_OR_RETURN(std::string tags_json, internal::TagsToJson(file.tags));
  ASSIGN_OR_RETURN(std::string metadata_json, internal::TagsToJson(file.object_metadata));
  const bool link_only = options.link_only;
  const bool replace = static_cast<bool>(options.replaced_event);
  CommitResult result;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    result = CommitResult{};
    result.file = file;
    if (replace) RETURN_IF_ERROR(internal::LockForReplace(w, file));
    std::optional<ContentRecord> existing =
        FindContentLocked(w, file.owner_id, file.content.sha256, file.content.size);
    if (existing.has_value()) {
      w.exec_params("UPDATE files.contents SET ref_count = ref_count + 1 WHERE id = $1",
                    existing->id);
      if (!segments.empty()) EnqueueJson(w, internal::ShardsJson(segments));
      result.file.content = *existing;
      result.deduplicated = true;
    } else if (link_only) {
      return absl::AbortedError("the earlier copy of this content was deleted; retry");
    } else {
      InsertContent(w, file.content, segments);
    }
    if (replace) {
      ASSIGN_OR_RETURN(result.replaced, internal::ReplaceSameName(w, file, options.replaced_event));
    }
    pqxx::row t = w.exec_params1(
        "INSERT INTO files.files (id, owner_id, name, content_type, tags, content_id, "
        "encryption, md5, object_metadata) VALUES ($1, $2, $3, $4, "
        "COALESCE(($5::jsonb)->'tags', '{}'::jsonb), $6, $7, $8, "
        "COALESCE(($9::jsonb)->'tags', '{}'::jsonb)) "
        "RETURNING (extract(epoch FROM created_at) * 1000000)::bigint",
        file.id, file.owner_id, file.name, file.content_type, tags_json, result.file.content.id,
        file.encryption, file.md5, metadata_json);
    result.file.created_at = result.file.updated_at = absl::FromUnixMicros(t[0].as<int64_t>());
    result.outbox_id = InsertOutbox(w, event(result.file, result.deduplicated));
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<std::optional<ContentRecord>> ManifestStore::FindContent(const std::string& owner_id,
                                                                        const std::string& sha256) {
  std::optional<ContentRecord> found;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    pqxx::result r =
        w.exec_params(absl::StrCat("SELECT ", kContentColumns,
                                   " FROM files.contents c WHERE c.owner_id = $1 AND c.sha256 = $2 "
                                   "ORDER BY c.created_at, c.id LIMIT 1"),
                      owner_id, sha256);
    found.reset();
    if (!r.empty()) found = internal::ContentFromRow(r[0], 0);
    return absl::OkStatus();
  }));
  return found;
}

absl::StatusOr<FileRecord> ManifestStore::GetFile(const std::string& owner_id,
                                                  const std::string& file_id) {
  absl::StatusOr<FileRecord> out = absl::NotFoundError("no such file");
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    out = SelectFile(w, owner_id, file_id, false);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<SegmentRecord>> ManifestStore::GetSegments(
    const std::string& content_id) {
  std::vector<SegmentRecord> segs;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    segs.clear();
    pqxx::result r = w.exec_params(
        "SELECT idx, plain_size, stored_size, compressed, shard_size, sha256 FROM files.segments "
        "WHERE content_id = $1 ORDER BY idx",
        content_id);
    // Multipart contents number their segments sparsely (multipart_index.h): shards are
    // matched to their segment by index, not by position.
    std::map<uint64_t, size_t> position;
    for (const pqxx::row& row : r) {
      SegmentRecord s;
      s.index = row[0].as<uint64_t>();
      s.plain_size = row[1].as<uint64_t>();
      s.stored_size = row[2].as<uint64_t>();
      s.compressed = row[3].as<bool>();
      s.shard_size = row[4].as<uint64_t>();
      s.plain_sha256 = row[5].as<std::string>();
      position[s.index] = segs.size();
      segs.push_back(std::move(s));
    }
    pqxx::result sh = w.exec_params(
        "SELECT segment_idx, shard_idx, shard_id, node_id, node_address, state FROM files.shards "
        "WHERE content_id = $1 ORDER BY segment_idx, shard_idx",
        content_id);
    for (const pqxx::row& row : sh) {
      auto at = position.find(row[0].as<uint64_t>());
      if (at == position.end()) return absl::InternalError("a shard row names no segment");
      segs[at->second].shards.push_back({row[1].as<int>(),
                                         row[2].as<std::string>(),
                                         {row[3].as<std::string>(), row[4].as<std::string>()},
                                         ShardStateFromName(row[5].as<std::string>())});
    }
    return absl::OkStatus();
  }));
  return segs;
}

absl::Status ManifestStore::SettleWritingShards(const std::vector<SettledShard>& settled) {
  return pool_.Transact([&](pqxx::work& w) {
    internal::SettleWritingShards(w, settled);
    return absl::OkStatus();
  });
}

absl::StatusOr<FileRecord> ManifestStore::DeleteFile(const std::string& owner_id,
                                                     const std::string& file_id,
                                                     const EventMaker& event, int64_t* outbox_id) {
  absl::StatusOr<FileRecord> out = absl::NotFoundError("no such file");
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    out = SelectFile(w, owner_id, file_id, true);
    if (!out.ok()) return absl::OkStatus();
    DeleteFileRow(w, *out);
    *outbox_id = InsertOutbox(w, event(*out, false));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<FileRecord> ManifestStore::UpdateMetadata(
    const std::string& owner_id, const std::string& file_id, const std::optional<std::string>& name,
    const std::optional<std::map<std::string, std::string>>& tags) {
  std::string tags_json;
  if (tags.has_value()) {
    ASSIGN_OR_RETURN(tags_json, internal::TagsToJson(*tags));
  }
  absl::StatusOr<FileRecord> out = absl::NotFoundError("no such file");
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    pqxx::result r = w.exec_params(
        "UPDATE files.files SET name = CASE WHEN $3 THEN $4 ELSE name END, "
        "tags = CASE WHEN $5 THEN COALESCE(($6::jsonb)->'tags', '{}'::jsonb) ELSE tags END, "
        "updated_at = now() WHERE owner_id = $1 AND id = $2",
        owner_id, file_id, name.has_value(), name.value_or(""), tags.has_value(),
        tags.has_value() ? tags_json : std::string("{}"));
    if (r.affected_rows() == 0) {
      out = absl::NotFoundError("no such file");
      return absl::OkStatus();
    }
    out = SelectFile(w, owner_id, file_id, false);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<ListPage> ManifestStore::ListFiles(const std::string& owner_id,
                                                  const std::string& prefix, int limit,
                                                  const std::string& cursor) {
  std::string after_name, after_id;
  bool has_cursor = !cursor.empty();
  if (has_cursor) {
    auto raw = crypto::Base64Decode(cursor, crypto::Base64Variant::kUrlSafe);
    size_t sep = raw.ok() ? raw->find('\0') : std::string::npos;
    if (sep == std::string::npos) return absl::InvalidArgumentError("bad cursor");
    after_name = raw->substr(0, sep);
    after_id = raw->substr(sep + 1);
    // A cursor comes back from the client: what it holds goes to SQL only if it could be ours.
    if (!text::IsValidUtf8(after_name) || after_id.size() > 128 ||
        !std::all_of(after_id.begin(), after_id.end(),
                     [](char c) { return c > 0x20 && c < 0x7f; })) {
      return absl::InvalidArgumentError("bad cursor");
    }
  }
  ListPage page;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    page = ListPage{};
    pqxx::result r = w.exec_params(
        absl::StrCat(kFileSelect,
                     "WHERE f.owner_id = $1 AND starts_with(f.name, $2) AND (NOT $3 OR "
                     "(f.name COLLATE \"C\", f.id) > ($4 COLLATE \"C\", $5)) "
                     "ORDER BY f.name COLLATE \"C\", f.id LIMIT $6"),
        owner_id, prefix, has_cursor, after_name, after_id, limit + 1);
    for (const pqxx::row& row : r) {
      if (static_cast<int>(page.files.size()) == limit) break;
      ASSIGN_OR_RETURN(FileRecord f, internal::FileFromRow(row));
      page.files.push_back(std::move(f));
    }
    if (static_cast<int>(r.size()) > limit && !page.files.empty()) {
      const FileRecord& last = page.files.back();
      page.next_cursor = crypto::Base64Encode(
          absl::StrCat(last.name, std::string(1, '\0'), last.id), crypto::Base64Variant::kUrlSafe);
    }
    return absl::OkStatus();
  }));
  return page;
}

}  // namespace datamesh::file_ingest
