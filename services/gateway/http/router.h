// Maps method + path to a handler. Patterns are absolute paths whose segments are literals,
// `{name}` (one decoded segment, read with Request::path_param), or a final `{name*}` (the rest
// of the path, segments joined with '/'). When several patterns match, the most specific wins:
// at the first differing segment a literal beats `{name}`, which beats `{name*}`.
//
// GET routes also answer HEAD (the writer then sends headers only). A path that matches only
// routes of other methods is a 405 with Allow; no match is a 404 (HttpServer answers both).
//
// The answers the server makes itself (see ServerError) are the REST API's JSON unless the
// router carries an ErrorRenderer: a listener that speaks another protocol (the S3 API) renders
// them in its own document shape, so its clients can parse every answer they get.
//
// Thread safety: build the router fully before handing it to HttpServer; afterwards it is only
// read, from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
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

// An error answer the server makes without a handler, or for a handler that sent nothing.
struct ServerError {
  enum class Stage {
    kRequest,  // before routing: malformed request, header block or target too long or invalid
               // (dot segments, bad percent escapes), too many connections
    kRoute,    // routing: no route (404), method not allowed (405), declared body too large (413)
    kHandler,  // a handler that answered nothing: its body read's failure (timeout, too large,
               // cut short), or an internal error
  };
  Stage stage;
  // As ApiErrorFor reads it (a pinned HTTP status and code, or the canonical mapping).
  const absl::Status& status;
  // The request target as sent; empty when the request line did not parse or no request came.
  std::string_view target;
  std::string_view request_id;
};

struct RenderedError {
  int http_status = 500;
  std::string content_type;
  std::string body;
  HeaderList headers;  // added to the answer (e.g. a protocol's own request id header)
};

using ErrorRenderer = std::function<RenderedError(const ServerError&)>;

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

  // Renders the server's own error answers (HEAD answers drop the body, headers such as Allow
  // and Retry-After are still set by the server). Unset: the REST API's JSON (api_error.h).
  void SetErrorRenderer(ErrorRenderer renderer) { error_renderer_ = std::move(renderer); }
  const ErrorRenderer& error_renderer() const { return error_renderer_; }

  // Every registered route, in registration order.
  const std::vector<Route>& routes() const { return routes_; }

  // `segments` are decoded path segments (see DecodePathSegments).
  Match Find(std::string_view method, const std::vector<std::string>& segments) const;

 private:
  void Add(Route route, std::string_view pattern);

  std::vector<Route> routes_;
  ErrorRenderer error_renderer_;
};

}  // namespace datamesh::gateway::http
