// LiveFeed: the gateway's live event feed, GET /api/v1/ws (docs/API.md §WebSocket).
//
// It subscribes (core NATS) to the event subjects the feed relays (feed_frame.h), to
// auth.credential.revoked and to auth.user.updated, hands each event to a LiveHub, and provides the
// route's upgrade handler: the client authenticates with `Authorization: Bearer <secret>` or, for
// browsers that cannot set headers on a WebSocket, `?token=<secret>`, validated exactly as the REST
// routes validate (same Authenticator, cache and revocations). A missing or bad credential is
// answered 401 in API.md's error shape before any upgrade. The server's WebSocket keep-alive pings
// an idle client and closes a session that stops answering (HttpServer::Options::ws_idle_timeout).
// Messages from the client are ignored: the feed is one-way.
//
// Ownership: LiveFeed owns the hub and the subscriptions; destroy it after the HTTP server that
// serves its handler (sessions call back into the hub until they end). Thread safety: all
// methods are thread-safe; the handler runs on the HTTP server's workers and may block on the
// authenticator.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"
#include "services/gateway/http/request.h"
#include "services/gateway/http/websocket_session.h"
#include "services/gateway/identity/caller.h"
#include "services/gateway/live/live_hub.h"
#include "shared/bus/bus.h"

namespace datamesh::gateway::live {

// Admits the caller of an upgrade request from its authorization value (`Bearer <secret>`, from
// the header or ?token=): UNAUTHENTICATED (401) for a bad credential, RESOURCE_EXHAUSTED when
// the caller is over the API-call limit, other codes (e.g. UNAVAILABLE) when it cannot tell.
using AuthenticateFn =
    std::function<absl::StatusOr<Caller>(std::string_view authorization, const http::Request&)>;

// The credential of an upgrade request: the Authorization header when present (a malformed one
// is not excused by a query token), else `?token=`. UNAUTHENTICATED when there is none.
absl::StatusOr<std::string> FeedSecret(const http::Request& request);

// The upgrade handler of /api/v1/ws: authenticates (a `?token=` credential is presented to
// `authenticate` as a bearer header), then attaches the session to `hub` for the caller.
// `hub` must outlive every session the handler opens.
http::WebSocketHandler MakeFeedHandler(LiveHub& hub, AuthenticateFn authenticate);

class LiveFeed {
 public:
  // Subscribes a new hub to the relayed subjects and to revocations on `bus`; with a null bus
  // the feed serves sessions but has nothing to relay. Errors: those of Bus::SubscribeEvents.
  static absl::StatusOr<std::unique_ptr<LiveFeed>> Start(bus::Bus* bus, HubOptions options,
                                                         prometheus::Registry* registry);

  LiveHub& hub() { return *hub_; }
  http::WebSocketHandler Handler(AuthenticateFn authenticate) {
    return MakeFeedHandler(*hub_, std::move(authenticate));
  }

 private:
  LiveFeed() = default;

  std::unique_ptr<LiveHub> hub_;
  // After hub_: unsubscribed (waiting for running handlers) before the hub goes away.
  std::vector<std::unique_ptr<bus::Subscription>> subscriptions_;
};

}  // namespace datamesh::gateway::live
