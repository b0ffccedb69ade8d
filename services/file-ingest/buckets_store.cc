// BucketStore: bucket lifecycle (create, get, delete when empty, list).
#include "services/file-ingest/buckets_store.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "services/file-ingest/manifest_rows.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

absl::Status WithCode(absl::Status status, const char* code) {
  status.SetPayload(kErrorCodePayload, absl::Cord(code));
  return status;
}

constexpr char kBucketColumns[] =
    "name, owner_id, (extract(epoch FROM created_at) * 1000000)::bigint";

BucketRecord BucketFromRow(const pqxx::row& row) {
  return {row[0].as<std::string>(), row[1].as<std::string>(),
          absl::FromUnixMicros(row[2].as<int64_t>())};
}

std::optional<BucketRecord> SelectBucket(pqxx::work& w, const std::string& name, const char* lock) {
  pqxx::result r = w.exec_params(
      absl::StrCat("SELECT ", kBucketColumns, " FROM files.buckets WHERE name = $1", lock), name);
  if (r.empty()) return std::nullopt;
  return BucketFromRow(r[0]);
}

}  // namespace

absl::StatusOr<BucketRecord> BucketStore::Create(const std::string& owner_id,
                                                 const std::string& name,
                                                 const BucketEventMaker& event,
                                                 int64_t* outbox_id) {
  absl::StatusOr<BucketRecord> out = absl::InternalError("not run");
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    // ON CONFLICT: two creates of one name race to the primary key; the loser reads the winner.
    pqxx::result r =
        w.exec_params(absl::StrCat("INSERT INTO files.buckets (name, owner_id) VALUES ($1, $2) "
                                   "ON CONFLICT (name) DO NOTHING RETURNING ",
                                   kBucketColumns),
                      name, owner_id);
    if (r.empty()) {
      std::optional<BucketRecord> existing = SelectBucket(w, name, "");
      if (existing.has_value() && existing->owner_id == owner_id) {
        out = WithCode(absl::AlreadyExistsError("you already own this bucket"),
                       "BUCKET_ALREADY_OWNED_BY_YOU");
      } else {
        out =
            WithCode(absl::AlreadyExistsError("the bucket name is taken"), "BUCKET_ALREADY_EXISTS");
      }
      return absl::OkStatus();
    }
    out = BucketFromRow(r[0]);
    *outbox_id = pg::AppendToOutbox(w, internal::kOutboxTable, event(*out));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<BucketRecord> BucketStore::Get(const std::string& name) {
  std::optional<BucketRecord> found;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    found = SelectBucket(w, name, "");
    return absl::OkStatus();
  }));
  if (!found.has_value()) return absl::NotFoundError("no such bucket");
  return *found;
}

absl::StatusOr<BucketRecord> BucketStore::Delete(const std::string& owner_id,
                                                 const std::string& name,
                                                 const BucketEventMaker& event,
                                                 int64_t* outbox_id) {
  absl::StatusOr<BucketRecord> out = absl::InternalError("not run");
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    std::optional<BucketRecord> bucket = SelectBucket(w, name, " FOR UPDATE");
    if (!bucket.has_value()) {
      out = absl::NotFoundError("no such bucket");
      return absl::OkStatus();
    }
    if (bucket->owner_id != owner_id) {
      out = absl::PermissionDeniedError("the bucket belongs to another user");
      return absl::OkStatus();
    }
    // A new statement under READ COMMITTED: it sees every put that committed while this
    // transaction waited for the row lock above.
    const std::string first = name + "/";
    pqxx::result any = w.exec_params(
        "SELECT 1 FROM files.files WHERE owner_id = $1 AND name COLLATE \"C\" >= $2 "
        "AND name COLLATE \"C\" < $3 LIMIT 1",
        owner_id, first, name + "0");  // '0' is the byte after '/': the end of "<name>/..."
    if (!any.empty()) {
      out = WithCode(absl::FailedPreconditionError("the bucket is not empty"), "BUCKET_NOT_EMPTY");
      return absl::OkStatus();
    }
    w.exec_params("DELETE FROM files.buckets WHERE name = $1", name);
    out = *bucket;
    *outbox_id = pg::AppendToOutbox(w, internal::kOutboxTable, event(*bucket));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<BucketRecord>> BucketStore::List(const std::string& owner_id,
                                                            const BucketQuery& query) {
  std::vector<BucketRecord> buckets;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    buckets.clear();
    // Byte order (COLLATE "C"), as S3 lists, and so that start_after pages by the same order
    // whatever the database's locale; a NULL limit is no limit.
    pqxx::result r = w.exec_params(
        absl::StrCat("SELECT ", kBucketColumns,
                     " FROM files.buckets WHERE owner_id = $1 AND starts_with(name, $2)"
                     " AND name COLLATE \"C\" > $3 ORDER BY name COLLATE \"C\" LIMIT $4"),
        owner_id, query.prefix, query.start_after,
        query.limit > 0 ? std::optional<int>(query.limit) : std::nullopt);
    for (const pqxx::row& row : r) buckets.push_back(BucketFromRow(row));
    return absl::OkStatus();
  }));
  return buckets;
}

}  // namespace datamesh::file_ingest
