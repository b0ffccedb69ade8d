#include "services/gateway/live/live_feed.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "services/gateway/identity/bearer_token.h"
#include "shared/bus/event.h"
#include "shared/log/log.h"

namespace datamesh::gateway::live {

absl::StatusOr<std::string> FeedSecret(const http::Request& request) {
  // A header that is present decides: a bad one is not rescued by a good ?token=.
  if (request.header("Authorization")) return BearerToken(request);
  std::optional<std::string_view> token = request.query_param("token");
  if (!token) return absl::UnauthenticatedError("missing bearer token or ?token=");
  if (token->empty() || token->size() > kMaxSecretLength) {
    return absl::UnauthenticatedError("invalid token");
  }
  return std::string(*token);
}

http::WebSocketHandler MakeFeedHandler(LiveHub& hub, AuthenticateFn authenticate) {
  return [&hub, authenticate = std::move(authenticate)](
             const http::Request& request) -> absl::StatusOr<http::WebSocketCallbacks> {
    absl::StatusOr<std::string> secret = FeedSecret(request);
    if (!secret.ok()) return secret.status();
    const std::optional<std::string_view> header = request.header("Authorization");
    absl::StatusOr<Caller> caller =
        header ? authenticate(*header, request) : authenticate("Bearer " + *secret, request);
    if (!caller.ok()) return caller.status();
    Viewer viewer{caller->user_id, caller->is_admin()};
    log::Info("ws session opening", {{"user_id", viewer.user_id}, {"admin", viewer.admin}});
    http::WebSocketCallbacks callbacks;
    callbacks.on_open = [&hub, viewer = std::move(viewer), hash = TokenHash(*secret)](
                            std::shared_ptr<http::WebSocketSession> session) mutable {
      hub.Attach(std::move(session), std::move(viewer), std::move(hash));
    };
    callbacks.on_close = [&hub](http::WebSocketSession& session) { hub.Detach(&session); };
    return callbacks;
  };
}

absl::StatusOr<std::unique_ptr<LiveFeed>> LiveFeed::Start(bus::Bus* bus, HubOptions options,
                                                          prometheus::Registry* registry) {
  std::unique_ptr<LiveFeed> feed(new LiveFeed());
  feed->hub_ = std::make_unique<LiveHub>(options, registry);
  if (bus == nullptr) {
    log::Warn("no bus: the live feed (/api/v1/ws) relays no events");
    return feed;
  }
  LiveHub* hub = feed->hub_.get();
  for (const std::string& type : RelayedEventTypes()) {
    auto sub = bus->SubscribeEvents(bus::SubjectFor(type), "",
                                    [hub](const events::v1::Event& e) { hub->Publish(e); });
    if (!sub.ok()) return sub.status();
    feed->subscriptions_.push_back(*std::move(sub));
  }
  auto revoked = bus->SubscribeEvents(bus::SubjectFor("auth.credential.revoked"), "",
                                      [hub](const events::v1::Event& e) {
                                        if (e.has_credential_revoked())
                                          hub->Revoke(e.credential_revoked().token_hash());
                                      });
  if (!revoked.ok()) return revoked.status();
  feed->subscriptions_.push_back(*std::move(revoked));
  auto updated = bus->SubscribeEvents(
      bus::SubjectFor("auth.user.updated"), "", [hub](const events::v1::Event& e) {
        if (e.has_user_updated()) {
          hub->RoleChanged(e.user_updated().user_id(), e.user_updated().role() == "admin");
        }
      });
  if (!updated.ok()) return updated.status();
  feed->subscriptions_.push_back(*std::move(updated));
  return feed;
}

}  // namespace datamesh::gateway::live
