// Authenticator: turns a request's `Authorization: Bearer <secret>` (REST header or public gRPC
// metadata) into a Caller through
// AuthService.ValidateToken, with a short-lived TokenCache in front. Revocations
// (auth.credential.revoked on NATS) evict the secret's entry at once; the cache TTL bounds the
// damage of a lost event.
//
// Thread-safe. `clients` must outlive the Authenticator.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/gateway/http/request.h"
#include "services/gateway/identity/bearer_token.h"
#include "services/gateway/identity/caller.h"
#include "services/gateway/identity/token_cache.h"
#include "services/gateway/upstream/upstream_clients.h"
#include "shared/bus/bus.h"

namespace datamesh::gateway {

class Authenticator {
 public:
  Authenticator(UpstreamClients& clients, TokenCache::Options cache_options,
                absl::Duration rpc_timeout);

  // The caller of `request`. UNAUTHENTICATED (401) for a missing, malformed, unknown, expired
  // or revoked secret; UNAVAILABLE when auth cannot be reached.
  absl::StatusOr<Caller> Authenticate(const http::Request& request);

  // The same for the value of an authorization header or metadata entry (nullopt when absent);
  // `request_id` goes to auth with the validation call.
  absl::StatusOr<Caller> Authenticate(std::optional<std::string_view> authorization,
                                      std::string_view request_id);

  // Forgets a secret (after logout, so the token stops working at once on this gateway).
  void Forget(std::string_view token_hash);

  // Forgets every cached secret of `user_id` (its role or tier changed).
  void ForgetUser(const std::string& user_id);

  // Subscribes to auth.credential.revoked (drops the secret) and auth.user.updated (drops the
  // user's cached role and tier). The subscriptions live as long as this object.
  [[nodiscard]] absl::Status SubscribeRevocations(bus::Bus& bus);

 private:
  UpstreamClients& clients_;
  TokenCache cache_;
  const absl::Duration rpc_timeout_;
  std::unique_ptr<bus::Subscription> revocations_;
  std::unique_ptr<bus::Subscription> user_updates_;
};

}  // namespace datamesh::gateway
