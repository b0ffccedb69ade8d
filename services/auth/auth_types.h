// Plain value types shared by the auth service's domain, stores and adapter.
//
// Records mirror what is stored; none of them holds a secret in the clear except
// ValidatedCredential::private_key, which is kept in a SecretBytes (wiped on destruction).
// Value types: thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "shared/crypto/secret.h"

namespace datamesh::auth {

inline constexpr char kRoleUser[] = "user";
inline constexpr char kRoleAdmin[] = "admin";
inline constexpr char kDefaultTier[] = "free";
inline constexpr char kKindSession[] = "session";
inline constexpr char kKindApiKey[] = "api_key";

// A private key sealed with AES-256-GCM under a key derived from a secret: `salt` feeds the
// derivation, `blob` is nonce || ciphertext || tag.
struct SealedKey {
  std::string salt;
  std::string blob;
};

// One row of auth.users.
struct UserRecord {
  std::string id;
  std::string username;
  std::string email;
  std::string role;
  std::string tier;
  absl::Time created_at = absl::UnixEpoch();
  std::string password_hash;  // crypto/password.h format
  std::string public_key;     // 32 raw bytes
  uint32_t key_version = 1;
  SealedKey password_sealed;  // private key sealed under the password-derived key
  std::string key_kdf;        // how the password-derived key is made, "scrypt$N$r$p"
};

// A live session as kept in Redis (keyed by the token's hash).
struct SessionRecord {
  std::string user_id;
  absl::Time expires_at = absl::UnixEpoch();
  SealedKey sealed;  // private key sealed under the token-derived key
};

// One row of auth.api_keys.
struct ApiKeyRecord {
  std::string id;
  std::string user_id;
  std::string name;
  std::string key_hash;  // hex SHA-256 of the secret
  SealedKey sealed;      // empty once revoked
  absl::Time created_at = absl::UnixEpoch();
  std::optional<absl::Time> last_used_at;
};

// What a valid bearer secret resolves to.
struct ValidatedCredential {
  std::string user_id;
  std::string username;
  std::string role;
  std::string tier;
  std::shared_ptr<const crypto::SecretBytes> private_key;  // 32 raw bytes
  std::string public_key;
  uint32_t key_version = 1;
  std::string kind;                      // kKindSession or kKindApiKey
  std::string api_key_id;                // for API keys
  std::optional<absl::Time> expires_at;  // sessions only
};

// One audit record.
struct AuditEntry {
  std::string id;
  absl::Time time = absl::UnixEpoch();
  std::string actor;
  std::string action;
  std::string target;
  std::string outcome;
  std::string source_ip;
};

// Filters and page of QueryAudit.
struct AuditQuery {
  std::string user;    // actor or target; empty: all
  std::string action;  // exact, or a prefix when it ends with '.'; empty: all
  std::optional<absl::Time> from;
  std::optional<absl::Time> to;
  int limit = 100;
  std::string cursor;  // empty: first page
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;
};

}  // namespace datamesh::auth
