// S3KeyStore: the auth.s3_keys table (PostgreSQL).
//
// Keeps each key's secret sealed under the server key (s3_secret_box.h) and the private key
// copy sealed under the secret (key_sealing.h). Revoking erases both and marks the row in one
// statement: from then on the key verifies nothing, whatever caches hold.
//
// Thread-safe; the pool must outlive the store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/auth/auth_types.h"
#include "services/auth/s3_secret_box.h"
#include "shared/pg/pool.h"

namespace datamesh::auth {

struct S3KeyRecord {
  std::string access_key_id;
  std::string user_id;
  std::string name;
  SealedS3Secret secret;  // empty in listings and once revoked
  SealedKey sealed;       // private key under the secret; empty in listings and once revoked
  absl::Time created_at = absl::UnixEpoch();
  std::optional<absl::Time> last_used_at;
};

class S3KeyStore {
 public:
  explicit S3KeyStore(pg::Pool& pool) : pool_(pool) {}

  // Inserts `key` unless the user already has `max_live_keys` live keys (RESOURCE_EXHAUSTED).
  // Fills key.created_at. Concurrent creations for one user are serialised on the user's row.
  // ALREADY_EXISTS: the access key id is taken (the caller draws another).
  [[nodiscard]] absl::Status Insert(S3KeyRecord& key, int max_live_keys);

  // The live key with this access key id, with its sealed secret and key copy; nullopt if none.
  [[nodiscard]] absl::StatusOr<std::optional<S3KeyRecord>> FindLive(
      const std::string& access_key_id);

  // The user's live keys, newest first (without sealed material).
  [[nodiscard]] absl::StatusOr<std::vector<S3KeyRecord>> ListLive(const std::string& user_id);

  // Revokes the user's live key, erasing its sealed secret and key copy.
  // NOT_FOUND: no such live key for this user.
  [[nodiscard]] absl::Status Revoke(const std::string& user_id, const std::string& access_key_id);

  // Sets last_used_at to now unless it was set less than a minute ago.
  [[nodiscard]] absl::Status TouchLastUsed(const std::string& access_key_id);

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::auth
