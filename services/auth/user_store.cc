#include "services/auth/user_store.h"

#include "services/auth/store_util.h"
#include "shared/status/status.h"

namespace datamesh::auth {
namespace {

using internal::Bytes;
using internal::BytesOf;

constexpr char kUserColumns[] =
    "id::text, username, email, role, tier, " DM_AUTH_MICROS("created_at") ", password_hash, "
    "public_key, key_version, key_salt, sealed_key, key_kdf";

UserRecord UserFromRow(const pqxx::row& r) {
  UserRecord u;
  u.id = r[0].as<std::string>();
  u.username = r[1].as<std::string>();
  u.email = r[2].as<std::string>();
  u.role = r[3].as<std::string>();
  u.tier = r[4].as<std::string>();
  u.created_at = internal::FromMicros(r[5].as<int64_t>());
  u.password_hash = r[6].as<std::string>();
  u.public_key = BytesOf(r[7]);
  u.key_version = r[8].as<uint32_t>();
  u.password_sealed.salt = BytesOf(r[9]);
  u.password_sealed.blob = BytesOf(r[10]);
  u.key_kdf = r[11].as<std::string>();
  return u;
}

constexpr char kInsert[] =
    "INSERT INTO auth.users (id, username, email, password_hash, role, tier, public_key, "
    "key_version, key_salt, sealed_key, key_kdf) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
    "$10, $11)";

pqxx::result ExecInsert(pqxx::work& w, const UserRecord& u, const std::string& suffix) {
  return w.exec_params(std::string(kInsert) + suffix, u.id, u.username, u.email, u.password_hash,
                       u.role, u.tier, Bytes(u.public_key), static_cast<int>(u.key_version),
                       Bytes(u.password_sealed.salt), Bytes(u.password_sealed.blob), u.key_kdf);
}

}  // namespace

absl::Status UserStore::Insert(const UserRecord& user) {
  absl::Status s = pool_.Transact([&](pqxx::work& w) {
    ExecInsert(w, user, "");
    return absl::OkStatus();
  });
  if (absl::IsAlreadyExists(s)) return absl::AlreadyExistsError("username or email already taken");
  return s;
}

absl::StatusOr<bool> UserStore::InsertIfUsernameFree(const UserRecord& user) {
  bool inserted = false;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    inserted = ExecInsert(w, user, " ON CONFLICT DO NOTHING").affected_rows() == 1;
    return absl::OkStatus();
  }));
  return inserted;
}

absl::StatusOr<bool> UserStore::AnyAdmin() {
  bool any = false;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    any = !w.exec("SELECT 1 FROM auth.users WHERE role = 'admin' LIMIT 1").empty();
    return absl::OkStatus();
  }));
  return any;
}

absl::StatusOr<std::optional<UserRecord>> UserStore::FindByUsername(const std::string& username) {
  std::optional<UserRecord> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    pqxx::result r = w.exec_params(std::string("SELECT ") + kUserColumns +
                                       " FROM auth.users WHERE lower(username) = lower($1)",
                                   username);
    if (!r.empty()) out = UserFromRow(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<UserRecord> UserStore::FindById(const std::string& id) {
  if (!internal::IsUuid(id)) return absl::NotFoundError("no such user");
  std::optional<UserRecord> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    pqxx::result r =
        w.exec_params(std::string("SELECT ") + kUserColumns + " FROM auth.users WHERE id = $1", id);
    if (!r.empty()) out = UserFromRow(r[0]);
    return absl::OkStatus();
  }));
  if (!out) return absl::NotFoundError("no such user");
  return *std::move(out);
}

absl::Status UserStore::UpdatePasswordHash(const std::string& id, const std::string& hash) {
  return pool_.Transact([&](pqxx::work& w) {
    w.exec_params("UPDATE auth.users SET password_hash = $2 WHERE id = $1", id, hash);
    return absl::OkStatus();
  });
}

absl::Status UserStore::UpdatePassword(const std::string& id, const std::string& hash,
                                       const SealedKey& sealed, const std::string& kdf) {
  if (!internal::IsUuid(id)) return absl::NotFoundError("no such user");
  return pool_.Transact(
      [&](pqxx::work& w) { return internal::UpdatePasswordIn(w, id, hash, sealed, kdf); });
}

absl::Status internal::UpdatePasswordIn(pqxx::work& w, const std::string& id,
                                        const std::string& hash, const SealedKey& sealed,
                                        const std::string& kdf) {
  pqxx::result r = w.exec_params(
      "UPDATE auth.users SET password_hash = $2, key_salt = $3, sealed_key = $4, key_kdf = $5 "
      "WHERE id = $1",
      id, hash, Bytes(sealed.salt), Bytes(sealed.blob), kdf);
  if (r.affected_rows() != 1) return absl::NotFoundError("no such user");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<UserRecord>> UserStore::List(
    std::optional<std::pair<absl::Time, std::string>> after, int limit) {
  std::vector<UserRecord> out;
  std::optional<int64_t> after_micros;
  std::optional<std::string> after_id;
  if (after) {
    after_micros = internal::ToMicros(after->first);
    after_id = after->second;
  }
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    pqxx::result r = w.exec_params(
        std::string("SELECT ") + kUserColumns +
            " FROM auth.users WHERE $1::bigint IS NULL OR (created_at, id) > (" DM_AUTH_TS(
                "$1") ", $2::uuid) ORDER BY created_at, id LIMIT $3",
        after_micros, after_id, limit);
    for (const pqxx::row& row : r) out.push_back(UserFromRow(row));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<UserRecord> UserStore::UpdateRoleTier(const std::string& id,
                                                     const std::optional<std::string>& role,
                                                     const std::optional<std::string>& tier) {
  if (!internal::IsUuid(id)) return absl::NotFoundError("no such user");
  std::optional<UserRecord> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    out.reset();
    // Locking every admin row serialises concurrent demotions, so two admins demoting each
    // other cannot both succeed and leave none.
    w.exec("SELECT id FROM auth.users WHERE role = 'admin' FOR UPDATE");
    pqxx::result r = w.exec_params(
        std::string("UPDATE auth.users SET role = coalesce($2, role), tier = coalesce($3, tier) "
                    "WHERE id = $1 RETURNING ") +
            kUserColumns,
        id, role, tier);
    if (r.empty()) return absl::NotFoundError("no such user");
    if (w.exec("SELECT 1 FROM auth.users WHERE role = 'admin' LIMIT 1").empty()) {
      return absl::FailedPreconditionError("the change would leave no admin");
    }
    out = UserFromRow(r[0]);
    return absl::OkStatus();
  }));
  return *std::move(out);
}

}  // namespace datamesh::auth
