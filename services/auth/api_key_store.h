// ApiKeyStore: the auth.api_keys table (PostgreSQL).
//
// Keeps the SHA-256 of each key and the private key copy sealed under it. Revoking erases the
// sealed copy and marks the row, in one statement: from then on the key resolves to nothing,
// whatever caches or Redis hold.
//
// Thread-safe; the pool must outlive the store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/auth/auth_types.h"
#include "shared/pg/pool.h"

namespace datamesh::auth {

class ApiKeyStore {
 public:
  explicit ApiKeyStore(pg::Pool& pool) : pool_(pool) {}

  // Inserts `key` (id, user_id, name, key_hash, sealed) unless the user already has
  // `max_live_keys` live keys (RESOURCE_EXHAUSTED). Fills key.created_at. Concurrent creations
  // for one user are serialised on the user's row, so the limit holds.
  [[nodiscard]] absl::Status Insert(ApiKeyRecord& key, int max_live_keys);

  // The live key with this hash, or nullopt.
  [[nodiscard]] absl::StatusOr<std::optional<ApiKeyRecord>> FindLiveByHash(
      const std::string& key_hash);

  // The user's live keys, newest first (without sealed copies).
  [[nodiscard]] absl::StatusOr<std::vector<ApiKeyRecord>> ListLive(const std::string& user_id);

  // Revokes the user's live key `key_id`, erasing its sealed copy; returns its hash.
  // NOT_FOUND: no such live key for this user.
  [[nodiscard]] absl::StatusOr<std::string> Revoke(const std::string& user_id,
                                                   const std::string& key_id);

  // Sets last_used_at to now unless it was set less than a minute ago.
  [[nodiscard]] absl::Status TouchLastUsed(const std::string& key_id);

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::auth
