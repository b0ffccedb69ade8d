// MultipartStore: S3 multipart uploads in PostgreSQL (files.multipart_uploads and
// files.multipart_parts, migration 0010), beside the manifests (manifest_store.h).
//
// An upload owns one content row from its start (ref_count 0: no file points at it yet), so
// its data key, nonce prefix and erasure shape are fixed once. A part's segments and shards are
// written into the ordinary manifest tables when the part commits, numbered as
// multipart_index.h says, so repair, scrub, audits and GC treat them as any stored segment.
// Complete turns the content into a file in one transaction.
//
// Quota follows the parts through the events this store writes into files.outbox with each
// change (the caller's PartEventMaker): a committed part is a file.stored of the part's id and
// size, and a part replaced, dropped by Complete, aborted or expired is a file.deleted of it;
// Complete then adds one file.stored of the file at its full size. Quota counts both by id and
// at most once, so the object ends up counted once.
//
// Errors carry a dm-error-code payload (kErrorCodePayload, buckets_store.h) where S3 has a code
// of its own: NO_SUCH_UPLOAD (NOT_FOUND), INVALID_PART, INVALID_PART_ORDER, ENTITY_TOO_SMALL
// (INVALID_ARGUMENT).
//
// Thread-safe: each call leases its own connection from the pool.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/file-ingest/manifest.h"
#include "services/file-ingest/manifest_store.h"
#include "shared/pg/pool.h"

namespace datamesh::file_ingest {

struct MultipartUploadRecord {
  std::string id;  // S3's UploadId
  std::string owner_id;
  std::string name;  // "bucket/key"
  std::string content_type;
  std::map<std::string, std::string> object_metadata;
  // The content the parts are written into (size, sha256 unset until Complete).
  ContentRecord content;
  absl::Time created_at;
};

// One stored part: the attempt that committed last for its number.
struct PartRecord {
  std::string id;  // what quota counts the part's bytes under
  uint32_t part_number = 0;
  uint64_t attempt = 0;
  uint64_t size = 0;
  std::string md5;     // hex
  std::string sha256;  // hex
  absl::Time created_at;
  // The UploadPart call's quota reservation, for its file.stored only (not stored).
  std::string reservation_id;
};

// What Complete is asked to join: a part number and the ETag the client holds for it.
struct ListedPart {
  uint32_t part_number = 0;
  std::string md5;
};

// An event written into files.outbox with a change, to publish after the commit.
struct OutboxEvent {
  std::string bytes;
  int64_t id = 0;
};

// The serialized file.stored (`stored`) or file.deleted (!`stored`) event of a part.
using PartEventMaker = std::function<std::string(const MultipartUploadRecord& upload,
                                                 const PartRecord& part, bool stored)>;

struct PartsPage {
  std::string name;
  std::vector<PartRecord> parts;
  bool truncated = false;
};

struct UploadsPage {
  std::vector<MultipartUploadRecord> uploads;  // id, name, created_at set
  bool truncated = false;
};

struct CompleteOutcome {
  FileRecord file;
  std::vector<OutboxEvent> events;  // parts leaving quota, replaced files, then the file's
  bool repeated = false;            // the upload had completed with this list before
};

// NOT_FOUND with dm-error-code NO_SUCH_UPLOAD.
absl::Status NoSuchUploadError();

class MultipartStore {
 public:
  explicit MultipartStore(pg::Pool& pool) : pool_(pool) {}

  // Records a new upload and its content row. NOT_FOUND: the name is not in a bucket of the
  // owner.
  [[nodiscard]] absl::Status Create(MultipartUploadRecord& upload);

  // Starts an UploadPart call: the open upload and a fresh attempt number (never handed out
  // before for this upload). NOT_FOUND (NO_SUCH_UPLOAD): no open upload of the owner by that id.
  // RESOURCE_EXHAUSTED: the upload used up kMaxPartAttempts.
  [[nodiscard]] absl::StatusOr<std::pair<MultipartUploadRecord, uint64_t>> BeginPart(
      const std::string& owner_id, const std::string& upload_id);

  // Records `part` with its segments, replacing an older attempt of the same number (its shards
  // queued for deletion). NOT_FOUND (NO_SUCH_UPLOAD): the upload completed or went meanwhile.
  // ABORTED: the content's erasure shape changed while the part was written (re-encode): the
  // part must be sent again.
  [[nodiscard]] absl::StatusOr<std::vector<OutboxEvent>> CommitPart(
      const MultipartUploadRecord& upload, const PartRecord& part,
      const std::vector<SegmentRecord>& segments, const PartEventMaker& event);

  // Parts after `marker`, by number, at most `limit`. NOT_FOUND (NO_SUCH_UPLOAD).
  [[nodiscard]] absl::StatusOr<PartsPage> ListParts(const std::string& owner_id,
                                                    const std::string& upload_id, uint32_t marker,
                                                    int limit);

  // The owner's open uploads whose names start with `name_prefix` ("bucket/" + key prefix), by
  // name then start time, after (`after_name`, `after_upload_id`) as S3's key and upload-id
  // markers say. At most `limit`.
  [[nodiscard]] absl::StatusOr<UploadsPage> ListUploads(const std::string& owner_id,
                                                        const std::string& name_prefix,
                                                        const std::string& after_name,
                                                        const std::string& after_upload_id,
                                                        int limit);

  // Makes the listed parts the file (see the header comment and CommitOptions::replaced_event
  // for the replace-same-name semantics). `file_event` makes its file.stored, `replaced_event`
  // the file.deleted of each file of the name it replaces. INVALID_ARGUMENT with a code when
  // the list is out of order, names a part not stored or with another ETag, or a part other
  // than the last is under `min_part_bytes`. NOT_FOUND (NO_SUCH_UPLOAD), or NOT_FOUND without
  // a code when the bucket is gone.
  [[nodiscard]] absl::StatusOr<CompleteOutcome> Complete(const std::string& owner_id,
                                                         const std::string& upload_id,
                                                         const std::vector<ListedPart>& listed,
                                                         uint64_t min_part_bytes,
                                                         const PartEventMaker& part_event,
                                                         const EventMaker& file_event,
                                                         const EventMaker& replaced_event);

  // Drops the upload, its parts (shards queued for deletion) and its content.
  // NOT_FOUND (NO_SUCH_UPLOAD).
  [[nodiscard]] absl::StatusOr<std::vector<OutboxEvent>> Abort(const std::string& owner_id,
                                                               const std::string& upload_id,
                                                               const PartEventMaker& event);

  // Aborts every open upload of the owner whose name starts with `name_prefix` (a bucket just
  // deleted: "bucket/").
  [[nodiscard]] absl::StatusOr<std::vector<OutboxEvent>> AbortUnder(const std::string& owner_id,
                                                                    const std::string& name_prefix,
                                                                    const PartEventMaker& event);

  // Aborts up to `limit` open uploads idle (no part begun or committed) since before
  // `idle_before`, and forgets completed ones as old; their events go to the outbox (the
  // outbox worker publishes them). Returns how many uploads were aborted.
  [[nodiscard]] absl::StatusOr<int> ExpireIdle(absl::Time idle_before, int limit,
                                               const PartEventMaker& event);

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::file_ingest
