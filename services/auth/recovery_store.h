// RecoveryStore: the auth.recovery_codes table (PostgreSQL), one row per user at most.
//
// A row holds the private key copy sealed under the user's recovery code. Redeem deletes the
// row and sets the new password in one transaction, so two resets racing with one code cannot
// both succeed.
//
// Thread-safe; the pool must outlive the store.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/auth/auth_types.h"
#include "shared/pg/pool.h"

namespace datamesh::auth {

struct RecoveryRecord {
  SealedKey sealed;
  absl::Time created_at;
};

class RecoveryStore {
 public:
  explicit RecoveryStore(pg::Pool& pool) : pool_(pool) {}

  // Stores `sealed` as the user's code, replacing any earlier one; returns its creation time.
  // NOT_FOUND: no such user.
  [[nodiscard]] absl::StatusOr<absl::Time> Replace(const std::string& user_id,
                                                   const SealedKey& sealed);

  // The user's code, or nullopt.
  [[nodiscard]] absl::StatusOr<std::optional<RecoveryRecord>> Find(const std::string& user_id);

  // Deletes the code whose sealed copy is `used` and sets the new password (hash, sealed copy,
  // KDF), in one transaction. UNAUTHENTICATED when that code is no longer there (used or
  // replaced meanwhile): nothing changes.
  [[nodiscard]] absl::Status Redeem(const std::string& user_id, const SealedKey& used,
                                    const std::string& password_hash,
                                    const SealedKey& password_sealed, const std::string& kdf);

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::auth
