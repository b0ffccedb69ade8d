// Credentials: sessions and API keys — issuing, resolving (ValidateToken) and revoking them.
//
// Secrets are 256 random bits; only their SHA-256 is stored (sessions in Redis, API keys in
// PostgreSQL), each beside a copy of the owner's private key sealed under a key derived from
// the secret itself (key_sealing.h). Resolving a secret therefore both authenticates it and
// unseals the key; revoking it deletes the sealed copy.
//
// Validated secrets are cached in-process briefly (TokenCache). A revocation erases the entry
// and publishes auth.credential.revoked; a revocation counter keeps a validation that raced
// with a revocation from caching what was just revoked.
//
// Thread-safe. Stores, audit log and events must outlive this object.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/auth/api_key_store.h"
#include "services/auth/audit_log.h"
#include "services/auth/auth_events.h"
#include "services/auth/auth_types.h"
#include "services/auth/session_store.h"
#include "services/auth/token_cache.h"
#include "services/auth/user_store.h"

namespace datamesh::auth {

inline constexpr char kApiKeyPrefix[] = "dmk_";

struct CredentialOptions {
  absl::Duration session_ttl = absl::Hours(24);
  absl::Duration cache_ttl = absl::Seconds(5);
  size_t cache_capacity = 10000;
  int max_api_keys = 100;
};

struct NewSession {
  std::string token;
  absl::Time expires_at;
};

struct NewApiKey {
  ApiKeyRecord record;
  std::string secret;  // shown once
};

class Credentials {
 public:
  Credentials(CredentialOptions options, UserStore& users, SessionStore& sessions,
              ApiKeyStore& api_keys, AuditLog& audit, AuthEvents& events);

  // A new session for `user`, whose unsealed private key is `private_key`.
  [[nodiscard]] absl::StatusOr<NewSession> OpenSession(const UserRecord& user,
                                                       const crypto::SecretBytes& private_key);

  // Ends the session of `token`. OK also when there is none (idempotent).
  [[nodiscard]] absl::Status Logout(const std::string& token, const std::string& source_ip);

  // Resolves a session token or API key. UNAUTHENTICATED: unknown, expired, revoked or
  // malformed.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const ValidatedCredential>> Validate(
      const std::string& token);

  // Creates an API key for `user_id`. `caller_secret` is the bearer secret of the request
  // (session token or API key of the same user), needed to unseal the private key that the new
  // key gets a sealed copy of. INVALID_ARGUMENT: bad name. UNAUTHENTICATED: no or invalid
  // secret. PERMISSION_DENIED: the secret is another user's. RESOURCE_EXHAUSTED: too many keys.
  [[nodiscard]] absl::StatusOr<NewApiKey> CreateApiKey(const std::string& user_id,
                                                       const std::string& name,
                                                       const std::string& caller_secret,
                                                       const std::string& source_ip);
  [[nodiscard]] absl::StatusOr<std::vector<ApiKeyRecord>> ListApiKeys(const std::string& user_id);
  // NOT_FOUND: no such live key of this user.
  [[nodiscard]] absl::Status RevokeApiKey(const std::string& user_id, const std::string& key_id,
                                          const std::string& source_ip);

  // Ends every session of the user except the one whose token hash is `keep_hash` (may be
  // empty). API keys stay valid.
  [[nodiscard]] absl::Status EndSessions(const std::string& user_id, const std::string& keep_hash);

  // Cache eviction requested by events from other replicas.
  void ForgetToken(const std::string& token_hash);
  void ForgetUser(const std::string& user_id);

  TokenCache& cache() { return cache_; }

 private:
  absl::StatusOr<std::shared_ptr<const ValidatedCredential>> Resolve(const std::string& token,
                                                                     const std::string& hash);
  absl::StatusOr<std::shared_ptr<const ValidatedCredential>> Build(const UserRecord& user,
                                                                   const SealedKey& sealed,
                                                                   const std::string& token,
                                                                   bool api_key);
  void Revoked(const std::string& user_id, const std::string& hash, const std::string& kind,
               const std::string& key_id);

  const CredentialOptions options_;
  UserStore& users_;
  SessionStore& sessions_;
  ApiKeyStore& api_keys_;
  AuditLog& audit_;
  AuthEvents& events_;
  TokenCache cache_;
  std::atomic<uint64_t> revocations_{0};
};

// Hex SHA-256 of a secret: the key of stores, caches and revocation events.
[[nodiscard]] absl::StatusOr<std::string> TokenHash(const std::string& token);

}  // namespace datamesh::auth
