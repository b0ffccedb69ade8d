#include "services/gateway/identity/authenticator.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "services/gateway/upstream/rpc_status.h"
#include "shared/bus/event.h"
#include "shared/crypto/hash.h"
#include "shared/log/log.h"

namespace datamesh::gateway {
namespace {

Caller CallerFrom(const auth::v1::ValidateTokenResponse& r) {
  Caller c;
  c.user_id = r.user_id();
  c.username = r.username();
  c.role = r.role();
  c.tier = r.tier();
  c.private_key = r.private_key();
  c.public_key = r.public_key();
  c.key_version = r.key_version();
  c.credential_kind = r.credential_kind();
  return c;
}

}  // namespace

Authenticator::Authenticator(UpstreamClients& clients, TokenCache::Options cache_options,
                             absl::Duration rpc_timeout)
    : clients_(clients), cache_(cache_options), rpc_timeout_(rpc_timeout) {}

absl::StatusOr<Caller> Authenticator::Authenticate(const http::Request& request) {
  return Authenticate(request.header("Authorization"), request.request_id());
}

absl::StatusOr<Caller> Authenticator::Authenticate(std::optional<std::string_view> authorization,
                                                   std::string_view request_id) {
  absl::StatusOr<std::string> secret = BearerToken(authorization);
  if (!secret.ok()) return secret.status();
  const std::string hash = TokenHash(*secret);
  if (!hash.empty()) {
    if (std::optional<Caller> cached = cache_.Get(hash)) return *std::move(cached);
  }
  grpc::ClientContext context;
  PrepareContext(context, request_id, rpc_timeout_);
  auth::v1::ValidateTokenRequest req;
  req.set_token(*secret);
  auth::v1::ValidateTokenResponse resp;
  grpc::Status rpc = clients_.auth().ValidateToken(&context, req, &resp);
  if (!rpc.ok()) {
    absl::Status status = StatusFromRpc(rpc, context);
    // Whatever auth thinks of a bad secret, the client hears one answer.
    if (status.code() == absl::StatusCode::kInvalidArgument ||
        status.code() == absl::StatusCode::kNotFound ||
        status.code() == absl::StatusCode::kPermissionDenied) {
      return absl::UnauthenticatedError("invalid bearer token");
    }
    return status;
  }
  Caller caller = CallerFrom(resp);
  if (!hash.empty()) cache_.Put(hash, caller);
  return caller;
}

void Authenticator::Forget(std::string_view token_hash) { cache_.Erase(std::string(token_hash)); }

absl::Status Authenticator::SubscribeRevocations(bus::Bus& bus) {
  auto sub = bus.SubscribeEvents(bus::SubjectFor("auth.credential.revoked"), "",
                                 [this](const events::v1::Event& event) {
                                   if (!event.has_credential_revoked()) return;
                                   cache_.Erase(event.credential_revoked().token_hash());
                                 });
  if (!sub.ok()) return sub.status();
  revocations_ = *std::move(sub);
  auto updates = bus.SubscribeEvents(bus::SubjectFor("auth.user.updated"), "",
                                     [this](const events::v1::Event& event) {
                                       if (!event.has_user_updated()) return;
                                       cache_.EraseUser(event.user_updated().user_id());
                                     });
  if (!updates.ok()) return updates.status();
  user_updates_ = *std::move(updates);
  return absl::OkStatus();
}

void Authenticator::ForgetUser(const std::string& user_id) { cache_.EraseUser(user_id); }

}  // namespace datamesh::gateway
