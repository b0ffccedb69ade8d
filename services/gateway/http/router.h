// Maps method + path to a handler. Patterns are absolute paths whose segments are literals,
// `{name}` (one decoded segment, read with Request::path_param), or a final `{name*}` (the rest
// of the path, segments joined with '/'). When several patterns match, the most specific wins:
// at the first differing segment a literal beats `{name}`, which beats `{name*}`.
//
// GET routes also answer HEAD (the writer then sends headers only). A path that matches only
// routes of other methods is a 405 with Allow; no match is a 404 (HttpServer answers both).
//
// Thread safety: build the router fully before handing it to HttpServer; afterwards it is only
// read, from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/gateway/http/request.h"
#include "services/gateway/http/websocket_session.h"

namespace datamesh::gateway::http {

struct RouteOptions {
  // Largest request body accepted (413 beyond it); unset = HttpServer::Options::body_limit.
  std::optional<uint64_t> body_limit;
  // A transfer may last as long as its bytes keep flowing: instead of the whole-request
  // deadline, the client must move at least `min_rate_bytes` per `min_rate_window` of waiting.
  bool transfer = false;
  // Health and metrics probes: run on their own small pool, never queued behind other requests.
  bool probe = false;
};

class Router {
 public:
  struct Route {
    enum class SegmentKind { kRest = 0, kParam = 1, kLiteral = 2 };
    struct Segment {
      SegmentKind kind;
      std::string text;  // the literal, or the parameter name
    };
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    RouteOptions options;
    Handler handler;              // HTTP routes
    WebSocketHandler ws_handler;  // WebSocket routes (method GET)
  };

  struct Match {
    const Route* route = nullptr;  // null: see `allowed`
    HeaderList params;
    std::vector<std::string> allowed;  // methods whose routes match the path (405 when non-empty)
  };

  // Registers a route. A malformed pattern or a duplicate method+pattern is a programming error
  // and aborts with a message.
  void Handle(std::string_view method, std::string_view pattern, Handler handler,
              RouteOptions options = {});
  // Registers a WebSocket route (GET with Upgrade: websocket).
  void HandleWebSocket(std::string_view pattern, WebSocketHandler handler);

  // Every registered route, in registration order.
  const std::vector<Route>& routes() const { return routes_; }

  // `segments` are decoded path segments (see DecodePathSegments).
  Match Find(std::string_view method, const std::vector<std::string>& segments) const;

 private:
  void Add(Route route, std::string_view pattern);

  std::vector<Route> routes_;
};

}  // namespace datamesh::gateway::http
