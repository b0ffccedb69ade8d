// Authenticator: turns a request's `Authorization: Bearer <secret>` into a Caller through
// AuthService.ValidateToken, with a short-lived TokenCache in front. Revocations
// (auth.credential.revoked on NATS) evict the secret's entry at once; the cache TTL bounds the
// damage of a lost event.
//
// Thread-safe. `clients` must outlive the Authenticator.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/gateway/caller.h"
#include "services/gateway/http/request.h"
#include "services/gateway/token_cache.h"
#include "services/gateway/upstream_clients.h"
#include "shared/bus/bus.h"

namespace datamesh::gateway {

// The secret of an `Authorization: Bearer <secret>` header (scheme case-insensitive).
// UNAUTHENTICATED when the header is absent, of another scheme, or the secret is empty or over
// 4096 characters.
absl::StatusOr<std::string> BearerToken(const http::Request& request);

// SHA-256 of `secret` as 64 lowercase hex characters: the cache key and the revocation key.
std::string TokenHash(std::string_view secret);

class Authenticator {
 public:
  Authenticator(UpstreamClients& clients, TokenCache::Options cache_options,
                absl::Duration rpc_timeout);

  // The caller of `request`. UNAUTHENTICATED (401) for a missing, malformed, unknown, expired
  // or revoked secret; UNAVAILABLE when auth cannot be reached.
  absl::StatusOr<Caller> Authenticate(const http::Request& request);

  // Forgets a secret (after logout, so the token stops working at once on this gateway).
  void Forget(std::string_view token_hash);

  // Subscribes to auth.credential.revoked. The subscription lives as long as this object.
  [[nodiscard]] absl::Status SubscribeRevocations(bus::Bus& bus);

 private:
  UpstreamClients& clients_;
  TokenCache cache_;
  const absl::Duration rpc_timeout_;
  std::unique_ptr<bus::Subscription> revocations_;
};

}  // namespace datamesh::gateway
