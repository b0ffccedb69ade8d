#include "services/auth/recovery_store.h"

#include "services/auth/store_util.h"
#include "services/auth/user_store.h"
#include "shared/status/status.h"

namespace datamesh::auth {

using internal::Bytes;
using internal::BytesOf;

absl::StatusOr<absl::Time> RecoveryStore::Replace(const std::string& user_id,
                                                  const SealedKey& sealed) {
  if (!internal::IsUuid(user_id)) return absl::NotFoundError("no such user");
  absl::Time created;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    pqxx::result r = w.exec_params(
        "INSERT INTO auth.recovery_codes (user_id, seal_salt, sealed_key) "
        "SELECT id, $2, $3 FROM auth.users WHERE id = $1 "
        "ON CONFLICT (user_id) DO UPDATE SET seal_salt = EXCLUDED.seal_salt, "
        "sealed_key = EXCLUDED.sealed_key, created_at = now() "
        "RETURNING " DM_AUTH_MICROS("created_at"),
        user_id, Bytes(sealed.salt), Bytes(sealed.blob));
    if (r.empty()) return absl::NotFoundError("no such user");
    created = internal::FromMicros(r[0][0].as<int64_t>());
    return absl::OkStatus();
  }));
  return created;
}

absl::StatusOr<std::optional<RecoveryRecord>> RecoveryStore::Find(const std::string& user_id) {
  std::optional<RecoveryRecord> out;
  if (!internal::IsUuid(user_id)) return out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    pqxx::result r = w.exec_params(
        "SELECT seal_salt, sealed_key, " DM_AUTH_MICROS("created_at")
        " FROM auth.recovery_codes WHERE user_id = $1",
        user_id);
    if (r.empty()) return absl::OkStatus();
    out = RecoveryRecord{{BytesOf(r[0][0]), BytesOf(r[0][1])},
                         internal::FromMicros(r[0][2].as<int64_t>())};
    return absl::OkStatus();
  }));
  return out;
}

absl::Status RecoveryStore::Redeem(const std::string& user_id, const SealedKey& used,
                                   const std::string& password_hash,
                                   const SealedKey& password_sealed, const std::string& kdf) {
  if (!internal::IsUuid(user_id)) return absl::UnauthenticatedError("recovery code is no longer valid");
  return pool_.Transact([&](pqxx::work& w) {
    pqxx::result gone = w.exec_params(
        "DELETE FROM auth.recovery_codes WHERE user_id = $1 AND sealed_key = $2", user_id,
        Bytes(used.blob));
    if (gone.affected_rows() != 1) {
      return absl::UnauthenticatedError("recovery code is no longer valid");
    }
    return internal::UpdatePasswordIn(w, user_id, password_hash, password_sealed, kdf);
  });
}

}  // namespace datamesh::auth
