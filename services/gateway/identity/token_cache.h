// TokenCache: bearer secrets recently validated by AuthService, so that a burst of requests
// with one token costs one ValidateToken. Keyed by the SHA-256 (hex) of the secret — the same
// key the auth.credential.revoked event carries — so the secret itself is never kept.
//
// Entries live `ttl` (a few seconds: the bound on how long a revocation whose event was lost
// can go unnoticed). At most `max_entries` are held; inserting into a full cache first drops
// expired entries, then the entry closest to expiry.
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/gateway/identity/caller.h"

namespace datamesh::gateway {

class TokenCache {
 public:
  struct Options {
    absl::Duration ttl = absl::Seconds(3);
    size_t max_entries = 10'000;
  };
  using Clock = std::function<absl::Time()>;

  explicit TokenCache(
      Options options, Clock clock = [] { return absl::Now(); });

  std::optional<Caller> Get(const std::string& token_hash);
  void Put(const std::string& token_hash, Caller caller);
  void Erase(const std::string& token_hash);
  // Drops every entry of `user_id` (its role or tier changed).
  void EraseUser(const std::string& user_id);
  size_t size() const;

 private:
  struct Entry {
    Caller caller;
    absl::Time expires;
  };
  void MakeRoomLocked(absl::Time now);

  const Options options_;
  const Clock clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace datamesh::gateway
