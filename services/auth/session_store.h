// SessionStore: sessions in Redis, keyed by the SHA-256 of their token.
//
//   auth:session:<token hash>   -> "v1|<user id>|<expiry µs>|<salt>|<sealed key>" with a TTL
//   auth:user-sessions:<user>   -> set of that user's token hashes (to end them all)
//
// A session exists only here: when Redis loses its data everyone is logged out, and nothing
// revoked can come back. Deleting a session deletes its sealed key copy with it.
//
// Thread-safe; the pool must outlive the store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/auth/auth_types.h"
#include "shared/redis/redis_pool.h"

namespace datamesh::auth {

class SessionStore {
 public:
  explicit SessionStore(redis::RedisPool& redis) : redis_(redis) {}

  // Stores `session` under `token_hash`, expiring at session.expires_at.
  [[nodiscard]] absl::Status Put(const std::string& token_hash, const SessionRecord& session);
  // The live session, or nullopt (unknown, expired or ended).
  [[nodiscard]] absl::StatusOr<std::optional<SessionRecord>> Get(const std::string& token_hash);
  // Deletes the session atomically and returns what it was (nullopt if there was none).
  [[nodiscard]] absl::StatusOr<std::optional<SessionRecord>> Take(const std::string& token_hash);
  // Hashes of the user's sessions (some may have expired meanwhile).
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> ListForUser(const std::string& user_id);

 private:
  redis::RedisPool& redis_;
};

// Encoding of a session value (exposed for tests). Decode: INTERNAL when malformed.
std::string EncodeSession(const SessionRecord& session);
[[nodiscard]] absl::StatusOr<SessionRecord> DecodeSession(const std::string& value);

}  // namespace datamesh::auth
