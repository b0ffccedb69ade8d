#include "services/file-ingest/multipart_store.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "services/file-ingest/buckets_store.h"
#include "services/file-ingest/manifest_rows.h"
#include "services/file-ingest/multipart_index.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

using internal::kContentColumns;

absl::Status Coded(absl::Status status, const char* code) {
  status.SetPayload(kErrorCodePayload, absl::Cord(code));
  return status;
}

// An upload row joined with its content; `lock` adds FOR UPDATE of the upload row.
std::string UploadSelect(const std::string& where, bool lock) {
  return absl::StrCat(
      "SELECT u.id, u.owner_id, u.name, u.content_type, "
      "jsonb_build_object('tags', u.object_metadata)::text, "
      "(extract(epoch FROM u.created_at) * 1000000)::bigint, u.state, u.file_id, "
      "u.completed_parts, ",
      kContentColumns,
      " FROM files.multipart_uploads u JOIN files.contents c ON c.id = u.content_id WHERE ", where,
      lock ? " FOR UPDATE OF u" : "");
}
constexpr int kUploadColumns = 9;

struct UploadRow {
  MultipartUploadRecord upload;
  bool open = false;
  std::string file_id;
  std::string completed_parts;
};

absl::StatusOr<UploadRow> UploadFromRow(const pqxx::row& row) {
  UploadRow out;
  MultipartUploadRecord& u = out.upload;
  u.id = row[0].as<std::string>();
  u.owner_id = row[1].as<std::string>();
  u.name = row[2].as<std::string>();
  u.content_type = row[3].as<std::string>();
  ASSIGN_OR_RETURN(u.object_metadata, internal::TagsFromJson(row[4].as<std::string>()));
  u.created_at = absl::FromUnixMicros(row[5].as<int64_t>());
  out.open = row[6].as<std::string>() == "open";
  out.file_id = row[7].as<std::string>();
  out.completed_parts = row[8].as<std::string>();
  u.content = internal::ContentFromRow(row, kUploadColumns);
  return out;
}

// The owner's upload `id` in any state, locked when `lock`; NOT_FOUND (NO_SUCH_UPLOAD) when
// there is none.
absl::StatusOr<UploadRow> SelectUpload(pqxx::work& w, const std::string& owner,
                                       const std::string& id, bool lock) {
  pqxx::result r = w.exec_params(UploadSelect("u.id = $1 AND u.owner_id = $2", lock), id, owner);
  if (r.empty()) return NoSuchUploadError();
  return UploadFromRow(r[0]);
}

absl::StatusOr<UploadRow> SelectOpenUpload(pqxx::work& w, const std::string& owner,
                                           const std::string& id, bool lock) {
  ASSIGN_OR_RETURN(UploadRow row, SelectUpload(w, owner, id, lock));
  if (!row.open) return NoSuchUploadError();
  return row;
}

PartRecord PartFromRow(const pqxx::row& row) {
  PartRecord p;
  p.id = row[0].as<std::string>();
  p.part_number = row[1].as<uint32_t>();
  p.attempt = row[2].as<uint64_t>();
  p.size = row[3].as<uint64_t>();
  p.md5 = row[4].as<std::string>();
  p.sha256 = row[5].as<std::string>();
  p.created_at = absl::FromUnixMicros(row[6].as<int64_t>());
  return p;
}

constexpr char kPartColumns[] =
    "id, part_number, attempt, size, md5, sha256, "
    "(extract(epoch FROM created_at) * 1000000)::bigint";

// Every stored part of an upload, by number.
std::vector<PartRecord> SelectParts(pqxx::work& w, const std::string& upload_id) {
  pqxx::result r = w.exec_params(
      absl::StrCat("SELECT ", kPartColumns,
                   " FROM files.multipart_parts WHERE upload_id = $1 ORDER BY part_number"),
      upload_id);
  std::vector<PartRecord> parts;
  for (const pqxx::row& row : r) parts.push_back(PartFromRow(row));
  return parts;
}

// Queues the shards of a part attempt's segments for deletion and drops the segments (their
// shard rows go with them).
void DropPartSegments(pqxx::work& w, const std::string& content_id, const PartRecord& part) {
  const int64_t from = static_cast<int64_t>(PartSegmentBase(part.part_number, part.attempt));
  const int64_t to = static_cast<int64_t>(PartSegmentEnd(part.part_number, part.attempt));
  w.exec_params(
      "INSERT INTO files.shard_deletions (shard_id, node_id, node_address) "
      "SELECT shard_id, node_id, node_address FROM files.shards WHERE content_id = $1 AND "
      "segment_idx >= $2 AND segment_idx < $3 AND state <> 'missing'",
      content_id, from, to);
  w.exec_params("DELETE FROM files.segments WHERE content_id = $1 AND idx >= $2 AND idx < $3",
                content_id, from, to);
}

OutboxEvent Append(pqxx::work& w, std::string bytes) {
  OutboxEvent e{std::move(bytes), 0};
  e.id = pg::AppendToOutbox(w, internal::kOutboxTable, e.bytes);
  return e;
}

// Drops an open upload locked by the caller: every part leaves quota, every shard of its
// content is queued for deletion, and the content and upload rows go.
std::vector<OutboxEvent> DropUpload(pqxx::work& w, const MultipartUploadRecord& upload,
                                    const PartEventMaker& event) {
  std::vector<OutboxEvent> events;
  for (const PartRecord& part : SelectParts(w, upload.id)) {
    events.push_back(Append(w, event(upload, part, /*stored=*/false)));
  }
  w.exec_params(
      "INSERT INTO files.shard_deletions (shard_id, node_id, node_address) "
      "SELECT shard_id, node_id, node_address FROM files.shards WHERE content_id = $1 AND "
      "state <> 'missing'",
      upload.content.id);
  w.exec_params("DELETE FROM files.multipart_uploads WHERE id = $1", upload.id);
  // Segments and shards go with the content (ON DELETE CASCADE); ref_count 0 guards a content
  // some file already points at.
  w.exec_params("DELETE FROM files.contents WHERE id = $1 AND ref_count = 0", upload.content.id);
  return events;
}

// The part list as recorded for a repeated Complete: "1:<md5>,2:<md5>".
std::string ListSignature(const std::vector<ListedPart>& listed) {
  std::string out;
  for (const ListedPart& p : listed) {
    absl::StrAppend(&out, out.empty() ? "" : ",", p.part_number, ":", p.md5);
  }
  return out;
}

// S3's checks of a part list against the stored parts, in S3's order.
absl::Status CheckListedParts(const std::vector<ListedPart>& listed,
                              const std::map<uint32_t, const PartRecord*>& stored,
                              uint64_t min_part_bytes) {
  if (listed.empty()) return absl::InvalidArgumentError("the part list is empty");
  for (size_t i = 1; i < listed.size(); ++i) {
    if (listed[i].part_number <= listed[i - 1].part_number) {
      return Coded(absl::InvalidArgumentError("parts must be listed in ascending order"),
                   "INVALID_PART_ORDER");
    }
  }
  for (const ListedPart& p : listed) {
    auto it = stored.find(p.part_number);
    if (it == stored.end() || it->second->md5 != p.md5) {
      return Coded(absl::InvalidArgumentError(
                       absl::StrCat("part ", p.part_number, " is not stored or its ETag differs")),
                   "INVALID_PART");
    }
  }
  for (size_t i = 0; i + 1 < listed.size(); ++i) {
    const PartRecord& part = *stored.at(listed[i].part_number);
    if (part.size < min_part_bytes) {
      return Coded(absl::InvalidArgumentError(absl::StrCat(
                       "part ", part.part_number, " is ", part.size,
                       " bytes; every part but the last must be at least ", min_part_bytes)),
                   "ENTITY_TOO_SMALL");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status NoSuchUploadError() {
  return Coded(absl::NotFoundError("no such upload"), "NO_SUCH_UPLOAD");
}

absl::Status MultipartStore::Create(MultipartUploadRecord& upload) {
  ASSIGN_OR_RETURN(std::string metadata_json, internal::TagsToJson(upload.object_metadata));
  const ContentRecord& c = upload.content;
  return pool_.Transact([&](pqxx::work& w) -> absl::Status {
    const size_t slash = upload.name.find('/');
    pqxx::result bucket =
        // FOR SHARE: a DeleteBucket waits, and aborts this upload with the bucket's others.
        w.exec_params("SELECT 1 FROM files.buckets WHERE name = $1 AND owner_id = $2 FOR SHARE",
                      upload.name.substr(0, slash), upload.owner_id);
    if (slash == std::string::npos || bucket.empty()) {
      return absl::NotFoundError("no such bucket");
    }
    w.exec_params(
        "INSERT INTO files.contents (id, owner_id, size, sha256, merkle_root, wrapped_key, "
        "key_version, nonce_prefix, codec_id, data_shards, parity_shards, segment_size, "
        "ref_count) VALUES ($1, $2, 0, '', '', $3, $4, $5, $6, $7, $8, $9, 0)",
        c.id, c.owner_id, pqxx::binarystring(c.wrapped_key), c.key_version,
        pqxx::binarystring(c.nonce_prefix), c.codec_id, c.data_shards, c.parity_shards,
        c.segment_size);
    pqxx::row t = w.exec_params1(
        "INSERT INTO files.multipart_uploads (id, owner_id, name, content_id, content_type, "
        "object_metadata) VALUES ($1, $2, $3, $4, $5, COALESCE(($6::jsonb)->'tags', "
        "'{}'::jsonb)) RETURNING (extract(epoch FROM created_at) * 1000000)::bigint",
        upload.id, upload.owner_id, upload.name, c.id, upload.content_type, metadata_json);
    upload.created_at = absl::FromUnixMicros(t[0].as<int64_t>());
    return absl::OkStatus();
  });
}

absl::StatusOr<std::pair<MultipartUploadRecord, uint64_t>> MultipartStore::BeginPart(
    const std::string& owner_id, const std::string& upload_id) {
  std::pair<MultipartUploadRecord, uint64_t> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    // Taken and counted in one statement: two calls never get the same attempt.
    pqxx::result r = w.exec_params(
        "UPDATE files.multipart_uploads SET attempts = attempts + 1, last_activity = now() "
        "WHERE id = $1 AND owner_id = $2 AND state = 'open' RETURNING attempts",
        upload_id, owner_id);
    if (r.empty()) return NoSuchUploadError();
    out.second = r[0][0].as<uint64_t>();
    if (out.second >= kMaxPartAttempts) {
      return absl::ResourceExhaustedError("this upload has used up its part attempts");
    }
    ASSIGN_OR_RETURN(UploadRow row, SelectUpload(w, owner_id, upload_id, false));
    out.first = std::move(row.upload);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<OutboxEvent>> MultipartStore::CommitPart(
    const MultipartUploadRecord& upload, const PartRecord& part,
    const std::vector<SegmentRecord>& segments, const PartEventMaker& event) {
  std::vector<OutboxEvent> events;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    events.clear();
    ASSIGN_OR_RETURN(UploadRow row, SelectOpenUpload(w, upload.owner_id, upload.id, true));
    // The content row is locked as re-encoding's switch locks it: the part's shards are of the
    // shape it read at its start, or the part is refused.
    pqxx::row shape = w.exec_params1(
        "SELECT codec_id, data_shards, parity_shards FROM files.contents WHERE id = $1 "
        "FOR UPDATE",
        upload.content.id);
    if (shape[0].as<std::string>() != upload.content.codec_id ||
        shape[1].as<int>() != upload.content.data_shards ||
        shape[2].as<int>() != upload.content.parity_shards) {
      return absl::AbortedError(
          "the upload's erasure shape changed while the part was written; send the part again");
    }
    pqxx::result older = w.exec_params(
        absl::StrCat("SELECT ", kPartColumns,
                     " FROM files.multipart_parts WHERE upload_id = $1 AND part_number = $2"),
        upload.id, part.part_number);
    if (!older.empty()) {
      const PartRecord old = PartFromRow(older[0]);
      DropPartSegments(w, upload.content.id, old);
      w.exec_params("DELETE FROM files.multipart_parts WHERE id = $1", old.id);
      events.push_back(Append(w, event(row.upload, old, /*stored=*/false)));
    }
    internal::InsertSegments(w, upload.content.id, segments);
    pqxx::row t = w.exec_params1(
        "INSERT INTO files.multipart_parts (id, upload_id, part_number, attempt, size, md5, "
        "sha256) VALUES ($1, $2, $3, $4, $5, $6, $7) "
        "RETURNING (extract(epoch FROM created_at) * 1000000)::bigint",
        part.id, upload.id, part.part_number, part.attempt, part.size, part.md5, part.sha256);
    PartRecord stored = part;
    stored.created_at = absl::FromUnixMicros(t[0].as<int64_t>());
    w.exec_params("UPDATE files.multipart_uploads SET last_activity = now() WHERE id = $1",
                  upload.id);
    events.push_back(Append(w, event(row.upload, stored, /*stored=*/true)));
    return absl::OkStatus();
  }));
  return events;
}

absl::StatusOr<PartsPage> MultipartStore::ListParts(const std::string& owner_id,
                                                    const std::string& upload_id, uint32_t marker,
                                                    int limit) {
  PartsPage page;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    page = PartsPage{};
    ASSIGN_OR_RETURN(UploadRow row, SelectOpenUpload(w, owner_id, upload_id, false));
    page.name = row.upload.name;
    pqxx::result r = w.exec_params(
        absl::StrCat("SELECT ", kPartColumns,
                     " FROM files.multipart_parts WHERE upload_id = $1 AND part_number > $2 "
                     "ORDER BY part_number LIMIT $3"),
        upload_id, marker, limit + 1);
    for (const pqxx::row& part : r) {
      if (static_cast<int>(page.parts.size()) == limit) {
        page.truncated = true;
        break;
      }
      page.parts.push_back(PartFromRow(part));
    }
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<UploadsPage> MultipartStore::ListUploads(const std::string& owner_id,
                                                        const std::string& name_prefix,
                                                        const std::string& after_name,
                                                        const std::string& after_upload_id,
                                                        int limit) {
  UploadsPage page;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    page = UploadsPage{};
    // After the marker: names past it, or its own name's uploads started after the marker
    // upload (none of them when the upload-id marker names no upload of the owner).
    pqxx::result r = w.exec_params(
        "WITH m AS (SELECT created_at, id FROM files.multipart_uploads WHERE id = $4 AND "
        "owner_id = $1) "
        "SELECT u.id, u.name, (extract(epoch FROM u.created_at) * 1000000)::bigint "
        "FROM files.multipart_uploads u WHERE u.owner_id = $1 AND u.state = 'open' AND "
        "starts_with(u.name, $2) AND ($3 = '' OR u.name COLLATE \"C\" > $3 COLLATE \"C\" OR "
        "(u.name = $3 AND $4 <> '' AND (u.created_at, u.id) > (SELECT created_at, id FROM m))) "
        "ORDER BY u.name COLLATE \"C\", u.created_at, u.id LIMIT $5",
        owner_id, name_prefix, after_name, after_upload_id, limit + 1);
    for (const pqxx::row& row : r) {
      if (static_cast<int>(page.uploads.size()) == limit) {
        page.truncated = true;
        break;
      }
      MultipartUploadRecord u;
      u.id = row[0].as<std::string>();
      u.name = row[1].as<std::string>();
      u.created_at = absl::FromUnixMicros(row[2].as<int64_t>());
      u.owner_id = owner_id;
      page.uploads.push_back(std::move(u));
    }
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<CompleteOutcome> MultipartStore::Complete(const std::string& owner_id,
                                                         const std::string& upload_id,
                                                         const std::vector<ListedPart>& listed,
                                                         uint64_t min_part_bytes,
                                                         const PartEventMaker& part_event,
                                                         const EventMaker& file_event,
                                                         const EventMaker& replaced_event) {
  const std::string signature = ListSignature(listed);
  CompleteOutcome out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    out = CompleteOutcome{};
    ASSIGN_OR_RETURN(UploadRow peek, SelectUpload(w, owner_id, upload_id, false));
    FileRecord file;
    file.id = peek.upload.content.id;
    file.owner_id = owner_id;
    file.name = peek.upload.name;
    // As an S3 PUT: the (owner, name) lock before any row lock, then the bucket FOR SHARE.
    RETURN_IF_ERROR(internal::LockForReplace(w, file));
    ASSIGN_OR_RETURN(UploadRow row, SelectUpload(w, owner_id, upload_id, true));
    if (!row.open) {
      if (row.completed_parts != signature) return NoSuchUploadError();
      pqxx::result done =
          w.exec_params(absl::StrCat(internal::kFileSelect, "WHERE f.owner_id = $1 AND f.id = $2"),
                        owner_id, row.file_id);
      if (done.empty()) return NoSuchUploadError();  // completed, then deleted
      ASSIGN_OR_RETURN(out.file, internal::FileFromRow(done[0]));
      out.repeated = true;
      return absl::OkStatus();
    }
    const MultipartUploadRecord& upload = row.upload;
    const std::vector<PartRecord> parts = SelectParts(w, upload_id);
    std::map<uint32_t, const PartRecord*> stored;
    for (const PartRecord& p : parts) stored[p.part_number] = &p;
    RETURN_IF_ERROR(CheckListedParts(listed, stored, min_part_bytes));
    std::map<uint32_t, bool> kept;
    for (const ListedPart& p : listed) kept[p.part_number] = true;
    // Every part leaves quota as a part; the file is counted below at its size.
    std::vector<std::string> md5s, sha256s;
    uint64_t size = 0;
    for (const PartRecord& p : parts) {
      out.events.push_back(Append(w, part_event(upload, p, /*stored=*/false)));
      if (kept.count(p.part_number) == 0) {
        DropPartSegments(w, upload.content.id, p);
        continue;
      }
      md5s.push_back(p.md5);
      sha256s.push_back(p.sha256);
      size += p.size;
    }
    ASSIGN_OR_RETURN(file.md5, MultipartEtag(md5s));
    ASSIGN_OR_RETURN(std::string sha256, MultipartSha256(sha256s));
    w.exec_params("UPDATE files.contents SET size = $2, sha256 = $3, ref_count = 1 WHERE id = $1",
                  upload.content.id, size, sha256);
    ASSIGN_OR_RETURN(std::vector<ReplacedFile> replaced,
                     internal::ReplaceSameName(w, file, replaced_event));
    for (ReplacedFile& gone : replaced) {
      out.events.push_back({std::move(gone.event), gone.outbox_id});
    }
    ASSIGN_OR_RETURN(std::string metadata_json, internal::TagsToJson(upload.object_metadata));
    w.exec_params(
        "INSERT INTO files.files (id, owner_id, name, content_type, content_id, encryption, md5, "
        "object_metadata) VALUES ($1, $2, $3, $4, $1, 'server', $5, "
        "COALESCE(($6::jsonb)->'tags', '{}'::jsonb))",
        file.id, owner_id, upload.name, upload.content_type, file.md5, metadata_json);
    pqxx::result made =
        w.exec_params(absl::StrCat(internal::kFileSelect, "WHERE f.owner_id = $1 AND f.id = $2"),
                      owner_id, file.id);
    ASSIGN_OR_RETURN(out.file, internal::FileFromRow(made.at(0)));
    out.events.push_back(Append(w, file_event(out.file, false)));
    w.exec_params("DELETE FROM files.multipart_parts WHERE upload_id = $1", upload_id);
    w.exec_params(
        "UPDATE files.multipart_uploads SET state = 'completed', file_id = $2, "
        "completed_parts = $3, last_activity = now() WHERE id = $1",
        upload_id, file.id, signature);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<OutboxEvent>> MultipartStore::Abort(const std::string& owner_id,
                                                               const std::string& upload_id,
                                                               const PartEventMaker& event) {
  std::vector<OutboxEvent> events;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    ASSIGN_OR_RETURN(UploadRow row, SelectOpenUpload(w, owner_id, upload_id, true));
    events = DropUpload(w, row.upload, event);
    return absl::OkStatus();
  }));
  return events;
}

absl::StatusOr<std::vector<OutboxEvent>> MultipartStore::AbortUnder(const std::string& owner_id,
                                                                    const std::string& name_prefix,
                                                                    const PartEventMaker& event) {
  std::vector<std::string> ids;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    ids.clear();
    pqxx::result r = w.exec_params(
        "SELECT id FROM files.multipart_uploads WHERE owner_id = $1 AND state = 'open' AND "
        "starts_with(name, $2)",
        owner_id, name_prefix);
    for (const pqxx::row& row : r) ids.push_back(row[0].as<std::string>());
    return absl::OkStatus();
  }));
  std::vector<OutboxEvent> events;
  for (const std::string& id : ids) {
    absl::StatusOr<std::vector<OutboxEvent>> dropped = Abort(owner_id, id, event);
    if (absl::IsNotFound(dropped.status())) continue;  // completed or aborted meanwhile
    if (!dropped.ok()) return dropped.status();
    events.insert(events.end(), dropped->begin(), dropped->end());
  }
  return events;
}

absl::StatusOr<int> MultipartStore::ExpireIdle(absl::Time idle_before, int limit,
                                               const PartEventMaker& event) {
  const int64_t cutoff = absl::ToUnixMicros(idle_before);
  std::vector<std::pair<std::string, std::string>> idle;  // (owner, id)
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    idle.clear();
    // Completed uploads are kept only to answer a repeated Complete.
    w.exec_params(
        "DELETE FROM files.multipart_uploads WHERE state = 'completed' AND "
        "last_activity < to_timestamp($1::double precision / 1000000)",
        cutoff);
    pqxx::result r = w.exec_params(
        "SELECT owner_id, id FROM files.multipart_uploads WHERE state = 'open' AND "
        "last_activity < to_timestamp($1::double precision / 1000000) "
        "ORDER BY last_activity LIMIT $2",
        cutoff, limit);
    for (const pqxx::row& row : r)
      idle.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
    return absl::OkStatus();
  }));
  int aborted = 0;
  for (const auto& [owner, id] : idle) {
    // One transaction per upload, re-checked under its lock: a part begun meanwhile keeps it.
    bool dropped = false;
    RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
      dropped = false;
      pqxx::result still = w.exec_params(
          "SELECT 1 FROM files.multipart_uploads WHERE id = $1 AND state = 'open' AND "
          "last_activity < to_timestamp($2::double precision / 1000000) FOR UPDATE",
          id, cutoff);
      if (still.empty()) return absl::OkStatus();
      ASSIGN_OR_RETURN(UploadRow row, SelectOpenUpload(w, owner, id, false));
      DropUpload(w, row.upload, event);
      dropped = true;
      return absl::OkStatus();
    }));
    if (dropped) ++aborted;
  }
  return aborted;
}

}  // namespace datamesh::file_ingest
