#include "services/auth/api_key_store.h"

#include "services/auth/store_util.h"
#include "shared/status/status.h"

namespace datamesh::auth {
namespace {

using internal::Bytes;
using internal::BytesOf;

constexpr char kApiKeyColumns[] =
    "id::text, user_id::text, name, key_hash, seal_salt, sealed_key, " DM_AUTH_MICROS(
        "created_at") ", " DM_AUTH_MICROS("last_used_at");

ApiKeyRecord ApiKeyFromRow(const pqxx::row& r) {
  ApiKeyRecord k;
  k.id = r[0].as<std::string>();
  k.user_id = r[1].as<std::string>();
  k.name = r[2].as<std::string>();
  k.key_hash = r[3].as<std::string>();
  k.sealed.salt = BytesOf(r[4]);
  k.sealed.blob = BytesOf(r[5]);
  k.created_at = internal::FromMicros(r[6].as<int64_t>());
  k.last_used_at = internal::OptionalTime(r[7]);
  return k;
}

}  // namespace

absl::Status ApiKeyStore::Insert(ApiKeyRecord& key, int max_live_keys) {
  if (!internal::IsUuid(key.user_id)) return absl::NotFoundError("no such user");
  return pool_.Transact([&](pqxx::work& w) {
    if (w.exec_params("SELECT 1 FROM auth.users WHERE id = $1 FOR UPDATE", key.user_id).empty()) {
      return absl::NotFoundError("no such user");
    }
    pqxx::row count = w.exec_params1(
        "SELECT count(*) FROM auth.api_keys WHERE user_id = $1 AND revoked_at IS NULL",
        key.user_id);
    if (count[0].as<int64_t>() >= max_live_keys) {
      return absl::ResourceExhaustedError("too many API keys; revoke one first");
    }
    pqxx::row r = w.exec_params1(
        "INSERT INTO auth.api_keys (id, user_id, name, key_hash, seal_salt, sealed_key) "
        "VALUES ($1, $2, $3, $4, $5, $6) RETURNING " DM_AUTH_MICROS("created_at"),
        key.id, key.user_id, key.name, key.key_hash, Bytes(key.sealed.salt),
        Bytes(key.sealed.blob));
    key.created_at = internal::FromMicros(r[0].as<int64_t>());
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<ApiKeyRecord>> ApiKeyStore::FindLiveByHash(
    const std::string& key_hash) {
  std::optional<ApiKeyRecord> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    pqxx::result r = w.exec_params(std::string("SELECT ") + kApiKeyColumns +
                                       " FROM auth.api_keys WHERE key_hash = $1 AND "
                                       "revoked_at IS NULL",
                                   key_hash);
    out.reset();
    if (!r.empty()) out = ApiKeyFromRow(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<ApiKeyRecord>> ApiKeyStore::ListLive(const std::string& user_id) {
  std::vector<ApiKeyRecord> out;
  if (!internal::IsUuid(user_id)) return out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    out.clear();
    pqxx::result r =
        w.exec_params(std::string("SELECT ") + kApiKeyColumns +
                          " FROM auth.api_keys WHERE user_id = $1 AND revoked_at IS NULL "
                          "ORDER BY created_at DESC, id DESC",
                      user_id);
    for (const pqxx::row& row : r) {
      out.push_back(ApiKeyFromRow(row));
      out.back().sealed = SealedKey{};  // listings never carry sealed copies
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::string> ApiKeyStore::Revoke(const std::string& user_id,
                                                const std::string& key_id) {
  if (!internal::IsUuid(user_id) || !internal::IsUuid(key_id)) {
    return absl::NotFoundError("no such API key");
  }
  std::string hash;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    pqxx::result r = w.exec_params(
        "UPDATE auth.api_keys SET revoked_at = now(), seal_salt = NULL, sealed_key = NULL "
        "WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING key_hash",
        key_id, user_id);
    if (r.empty()) return absl::NotFoundError("no such API key");
    hash = r[0][0].as<std::string>();
    return absl::OkStatus();
  }));
  return hash;
}

absl::Status ApiKeyStore::TouchLastUsed(const std::string& key_id) {
  return pool_.Transact([&](pqxx::work& w) {
    w.exec_params(
        "UPDATE auth.api_keys SET last_used_at = now() WHERE id = $1 AND revoked_at IS NULL AND "
        "(last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
        key_id);
    return absl::OkStatus();
  });
}

}  // namespace datamesh::auth
