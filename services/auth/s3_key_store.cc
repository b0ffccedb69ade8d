#include "services/auth/s3_key_store.h"

#include "services/auth/store_util.h"
#include "shared/status/status.h"

namespace datamesh::auth {
namespace {

using internal::Bytes;
using internal::BytesOf;

constexpr char kColumns[] =
    "access_key_id, user_id::text, name, secret_nonce, secret_box, seal_salt, "
    "sealed_key, " DM_AUTH_MICROS("created_at") ", " DM_AUTH_MICROS("last_used_at");

S3KeyRecord FromRow(const pqxx::row& r) {
  S3KeyRecord k;
  k.access_key_id = r[0].as<std::string>();
  k.user_id = r[1].as<std::string>();
  k.name = r[2].as<std::string>();
  k.secret.nonce = BytesOf(r[3]);
  k.secret.box = BytesOf(r[4]);
  k.sealed.salt = BytesOf(r[5]);
  k.sealed.blob = BytesOf(r[6]);
  k.created_at = internal::FromMicros(r[7].as<int64_t>());
  k.last_used_at = internal::OptionalTime(r[8]);
  return k;
}

}  // namespace

absl::Status S3KeyStore::Insert(S3KeyRecord& key, int max_live_keys) {
  if (!internal::IsUuid(key.user_id)) return absl::NotFoundError("no such user");
  return pool_.Transact([&](pqxx::work& w) {
    if (w.exec_params("SELECT 1 FROM auth.users WHERE id = $1 FOR UPDATE", key.user_id).empty()) {
      return absl::NotFoundError("no such user");
    }
    pqxx::row count = w.exec_params1(
        "SELECT count(*) FROM auth.s3_keys WHERE user_id = $1 AND revoked_at IS NULL", key.user_id);
    if (count[0].as<int64_t>() >= max_live_keys) {
      return absl::ResourceExhaustedError("too many S3 keys; revoke one first");
    }
    pqxx::result r = w.exec_params(
        "INSERT INTO auth.s3_keys (access_key_id, user_id, name, secret_nonce, secret_box, "
        "seal_salt, sealed_key) VALUES ($1, $2, $3, $4, $5, $6, $7) "
        "ON CONFLICT (access_key_id) DO NOTHING RETURNING " DM_AUTH_MICROS("created_at"),
        key.access_key_id, key.user_id, key.name, Bytes(key.secret.nonce), Bytes(key.secret.box),
        Bytes(key.sealed.salt), Bytes(key.sealed.blob));
    if (r.empty()) return absl::AlreadyExistsError("access key id taken");
    key.created_at = internal::FromMicros(r[0][0].as<int64_t>());
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<S3KeyRecord>> S3KeyStore::FindLive(const std::string& access_key_id) {
  std::optional<S3KeyRecord> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    pqxx::result r = w.exec_params(std::string("SELECT ") + kColumns +
                                       " FROM auth.s3_keys WHERE access_key_id = $1 AND "
                                       "revoked_at IS NULL",
                                   access_key_id);
    out.reset();
    if (!r.empty()) out = FromRow(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<S3KeyRecord>> S3KeyStore::ListLive(const std::string& user_id) {
  std::vector<S3KeyRecord> out;
  if (!internal::IsUuid(user_id)) return out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    out.clear();
    pqxx::result r = w.exec_params(std::string("SELECT ") + kColumns +
                                       " FROM auth.s3_keys WHERE user_id = $1 AND revoked_at IS "
                                       "NULL ORDER BY created_at DESC, access_key_id DESC",
                                   user_id);
    for (const pqxx::row& row : r) {
      out.push_back(FromRow(row));
      out.back().secret = SealedS3Secret{};  // listings never carry sealed material
      out.back().sealed = SealedKey{};
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status S3KeyStore::Revoke(const std::string& user_id, const std::string& access_key_id) {
  if (!internal::IsUuid(user_id)) return absl::NotFoundError("no such S3 key");
  return pool_.Transact([&](pqxx::work& w) {
    pqxx::result r = w.exec_params(
        "UPDATE auth.s3_keys SET revoked_at = now(), secret_nonce = NULL, secret_box = NULL, "
        "seal_salt = NULL, sealed_key = NULL "
        "WHERE access_key_id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING 1",
        access_key_id, user_id);
    if (r.empty()) return absl::NotFoundError("no such S3 key");
    return absl::OkStatus();
  });
}

absl::Status S3KeyStore::TouchLastUsed(const std::string& access_key_id) {
  return pool_.Transact([&](pqxx::work& w) {
    w.exec_params(
        "UPDATE auth.s3_keys SET last_used_at = now() WHERE access_key_id = $1 AND revoked_at IS "
        "NULL AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
        access_key_id);
    return absl::OkStatus();
  });
}

}  // namespace datamesh::auth
