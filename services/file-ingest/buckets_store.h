// BucketStore: the S3 view of the manifest in PostgreSQL -- buckets (files.buckets, migration
// 0006) and reads of objects, where object key k of bucket b is the owner's file named "b/k" and
// an object is the newest file of its name (created_at, then id).
//
// Bucket names are global and must be valid (bucket_name.h) before they get here. Create and
// delete write their durable event into files.outbox in the same transaction (published after
// commit, as ManifestStore's). Statuses that carry a `dm-error-code` for the gateway have it as
// the kErrorCodePayload payload.
//
// Thread-safe: each call leases its own connection from the pool.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/file-ingest/manifest.h"
#include "shared/pg/pool.h"

namespace datamesh::file_ingest {

// Payload type of a status whose value is the `dm-error-code` to send with it.
inline constexpr char kErrorCodePayload[] = "type.datamesh/file-ingest.error-code";

struct BucketRecord {
  std::string name;
  std::string owner_id;
  absl::Time created_at;
};

// Builds the serialized bucket event; called inside the transaction, maybe more than once
// (retries), so it must be pure.
using BucketEventMaker = std::function<std::string(const BucketRecord&)>;

// Which of an owner's buckets List returns (S3's ListBuckets paging).
struct BucketQuery {
  std::string prefix;       // only names starting with it
  std::string start_after;  // exclusive; empty: from the first name
  int limit = 0;            // at most this many; 0: all
};

struct ObjectQuery {
  std::string bucket;
  std::string prefix;
  std::string delimiter;    // empty: no roll-up
  std::string start_after;  // exclusive; empty: from the first key
  int max_keys = 1000;      // 1..1000
};

// Keys, common prefixes and the paging state of one listing. Every entry sorts after
// start_after, keys and prefixes interleaved in byte order.
struct ObjectPage {
  std::vector<FileRecord> objects;  // names are full ("bucket/key")
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_start_after;  // the last entry returned, when truncated
};

class BucketStore {
 public:
  explicit BucketStore(pg::Pool& pool) : pool_(pool) {}

  // ALREADY_EXISTS with error code BUCKET_ALREADY_OWNED_BY_YOU (this owner's) or
  // BUCKET_ALREADY_EXISTS (another's).
  [[nodiscard]] absl::StatusOr<BucketRecord> Create(const std::string& owner_id,
                                                    const std::string& name,
                                                    const BucketEventMaker& event,
                                                    int64_t* outbox_id);
  // NOT_FOUND: no such bucket.
  [[nodiscard]] absl::StatusOr<BucketRecord> Get(const std::string& name);
  // Deletes the owner's bucket if no file of the owner is named "<name>/...". NOT_FOUND: no
  // bucket by that name; PERMISSION_DENIED: another owner's; FAILED_PRECONDITION with error
  // code BUCKET_NOT_EMPTY. The bucket row is locked FOR UPDATE before the emptiness check, and
  // S3 puts hold it FOR SHARE until they commit (CommitOptions::replaced_event), so a put
  // either commits first (and is seen) or finds the bucket gone (and stores nothing).
  [[nodiscard]] absl::StatusOr<BucketRecord> Delete(const std::string& owner_id,
                                                    const std::string& name,
                                                    const BucketEventMaker& event,
                                                    int64_t* outbox_id);
  // The owner's buckets chosen by `query`, in byte order of their names.
  [[nodiscard]] absl::StatusOr<std::vector<BucketRecord>> List(const std::string& owner_id,
                                                               const BucketQuery& query = {});

  // The newest file of the owner named exactly `name`. NOT_FOUND: none, or the name's first
  // segment is a bucket of another owner.
  [[nodiscard]] absl::StatusOr<FileRecord> StatByName(const std::string& owner_id,
                                                      const std::string& name);
  // One page of a bucket's objects (S3 ListObjects). NOT_FOUND: the bucket is not the owner's.
  // A prefix that has been returned is never entered again: the store seeks past it
  // (PrefixSuccessor), so a listing costs one index range scan per page plus one per common
  // prefix, whatever the number of keys under the prefixes. A start_after inside a common
  // prefix (e.g. "a/m" with delimiter "/") counts that prefix ("a/") as already returned.
  [[nodiscard]] absl::StatusOr<ObjectPage> ListObjects(const std::string& owner_id,
                                                       const ObjectQuery& query);

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::file_ingest
