// UserStore: the auth.users table (PostgreSQL).
//
// Speaks SQL only; decides nothing. Usernames and emails are unique without regard to case
// (unique indexes on lower(...)): an insert that collides answers ALREADY_EXISTS.
//
// Thread-safe: every method leases its own connection from the pool, which must outlive the
// store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/auth/auth_types.h"
#include "shared/pg/pool.h"

namespace datamesh::auth {

class UserStore {
 public:
  explicit UserStore(pg::Pool& pool) : pool_(pool) {}

  // ALREADY_EXISTS when the username or email is taken (any case).
  [[nodiscard]] absl::Status Insert(const UserRecord& user);
  // Inserts `user` unless its username is taken; true when it was inserted. Race-free between
  // replicas (ON CONFLICT).
  [[nodiscard]] absl::StatusOr<bool> InsertIfUsernameFree(const UserRecord& user);
  [[nodiscard]] absl::StatusOr<bool> AnyAdmin();

  // Case-insensitive lookup; nullopt when absent.
  [[nodiscard]] absl::StatusOr<std::optional<UserRecord>> FindByUsername(
      const std::string& username);
  // NOT_FOUND when absent (also for an id that is not a UUID).
  [[nodiscard]] absl::StatusOr<UserRecord> FindById(const std::string& id);

  // Replaces the password hash only (rehash with new parameters).
  [[nodiscard]] absl::Status UpdatePasswordHash(const std::string& id, const std::string& hash);
  // Replaces the password hash and the password-sealed private key copy. NOT_FOUND if absent.
  [[nodiscard]] absl::Status UpdatePassword(const std::string& id, const std::string& hash,
                                            const SealedKey& sealed, const std::string& kdf);

  // Users ordered by (created_at, id), after the given position (nullopt: from the start).
  [[nodiscard]] absl::StatusOr<std::vector<UserRecord>> List(
      std::optional<std::pair<absl::Time, std::string>> after, int limit);

  // Sets role and/or tier. NOT_FOUND: no such user. FAILED_PRECONDITION: no admin would be
  // left. Serialised against other role changes by locking the admin rows.
  [[nodiscard]] absl::StatusOr<UserRecord> UpdateRoleTier(const std::string& id,
                                                          const std::optional<std::string>& role,
                                                          const std::optional<std::string>& tier);

 private:
  pg::Pool& pool_;
};

namespace internal {
// UserStore::UpdatePassword's statement inside the caller's transaction (recovery redeems its
// code in the same one). NOT_FOUND if the user is absent.
[[nodiscard]] absl::Status UpdatePasswordIn(pqxx::work& w, const std::string& id,
                                            const std::string& hash, const SealedKey& sealed,
                                            const std::string& kdf);
}  // namespace internal

}  // namespace datamesh::auth
