// TokenCache: a small in-process cache of validated bearer secrets, keyed by the secret's
// SHA-256, so the gateway's per-request ValidateToken costs a map lookup.
//
// Entries live at most `ttl` (a few seconds) and never past the credential's own expiry; that
// short life bounds how long a revocation made elsewhere can go unnoticed if its
// auth.credential.revoked event is lost. Revocations seen by this process (its own, or the
// event) erase the entry at once. At most `capacity` entries: when full, expired entries are
// dropped, and if none were, the cache is cleared (simple, and it refills on demand).
//
// Thread-safe (one mutex; the critical sections are map operations only).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/auth/auth_types.h"

namespace datamesh::auth {

class TokenCache {
 public:
  TokenCache(absl::Duration ttl, size_t capacity) : ttl_(ttl), capacity_(capacity) {}

  // The cached credential for `token_hash` if present and fresh at `now`.
  std::shared_ptr<const ValidatedCredential> Get(const std::string& token_hash, absl::Time now);
  void Put(const std::string& token_hash, std::shared_ptr<const ValidatedCredential> credential,
           absl::Time now);
  void Erase(const std::string& token_hash);
  // Drops every entry of the user (role or tier changed, sessions ended).
  void EraseUser(const std::string& user_id);
  size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const ValidatedCredential> credential;
    absl::Time expires;
  };

  const absl::Duration ttl_;
  const size_t capacity_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamesh::auth
