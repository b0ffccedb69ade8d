// SigningKeyCache: scoped SigV4 signing keys auth verified recently, keyed by (access key id,
// credential scope), so a burst of requests with one key costs one VerifyS3Signature: later
// signatures are checked here with the cached key. Entries live `ttl` (the bound on how long a
// revocation whose event was lost goes unnoticed); EraseAccessKey drops a revoked key at once.
// At most `max_entries`; inserting into a full cache drops expired entries, then the oldest.
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
#include "services/gateway/s3/auth/s3_key_verifier.h"

namespace datamesh::gateway::s3 {

class SigningKeyCache {
 public:
  struct Options {
    absl::Duration ttl = absl::Seconds(30);
    size_t max_entries = 10'000;
  };
  using Clock = std::function<absl::Time()>;

  explicit SigningKeyCache(
      Options options, Clock clock = [] { return absl::Now(); });

  std::optional<VerifiedKey> Get(const std::string& access_key_id, const CredentialScope& scope);
  void Put(const std::string& access_key_id, const CredentialScope& scope, VerifiedKey key);
  // Drops every scope of `access_key_id` (revoked).
  void EraseAccessKey(const std::string& access_key_id);
  // Drops every key of `user_id` (its role or tier changed).
  void EraseUser(const std::string& user_id);
  size_t size() const;

 private:
  struct Entry {
    std::string access_key_id;
    VerifiedKey key;
    absl::Time expires;
  };
  void MakeRoomLocked(absl::Time now);

  const Options options_;
  const Clock clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // "<akid> <scope>"
};

}  // namespace datamesh::gateway::s3
