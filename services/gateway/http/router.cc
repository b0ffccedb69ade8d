#include "services/gateway/http/router.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace datamesh::gateway::http {
namespace {

using Kind = Router::Route::SegmentKind;

[[noreturn]] void BadRoute(std::string_view pattern, const char* why) {
  std::fprintf(stderr, "gateway http: bad route pattern '%.*s': %s\n",
               static_cast<int>(pattern.size()), pattern.data(), why);
  std::abort();
}

std::vector<Router::Route::Segment> ParsePattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') BadRoute(pattern, "must start with '/'");
  std::vector<Router::Route::Segment> segments;
  if (pattern == "/") return segments;
  std::string_view rest = pattern.substr(1);
  while (true) {
    const size_t slash = rest.find('/');
    const std::string_view piece = rest.substr(0, slash);
    if (!segments.empty() && segments.back().kind == Kind::kRest) {
      BadRoute(pattern, "{name*} must be the last segment");
    }
    if (piece.size() >= 2 && piece.front() == '{' && piece.back() == '}') {
      std::string_view name = piece.substr(1, piece.size() - 2);
      Kind kind = Kind::kParam;
      if (!name.empty() && name.back() == '*') {
        name.remove_suffix(1);
        kind = Kind::kRest;
      }
      if (name.empty()) BadRoute(pattern, "empty parameter name");
      segments.push_back({kind, std::string(name)});
    } else {
      if (piece.find_first_of("{}") != std::string_view::npos) {
        BadRoute(pattern, "braces must enclose a whole segment");
      }
      segments.push_back({Kind::kLiteral, std::string(piece)});
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return segments;
}

// Fills `params` and returns true if `route` matches `segments`.
bool MatchRoute(const Router::Route& route, const std::vector<std::string>& segments,
                HeaderList& params) {
  params.clear();
  const auto& pattern = route.segments;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const auto& seg = pattern[i];
    if (seg.kind == Kind::kRest) {
      std::string joined;
      for (size_t j = i; j < segments.size(); ++j) {
        if (j > i) joined += '/';
        joined += segments[j];
      }
      params.emplace_back(seg.text, std::move(joined));
      return true;
    }
    if (i >= segments.size()) return false;
    if (seg.kind == Kind::kLiteral) {
      if (seg.text != segments[i]) return false;
    } else {
      if (segments[i].empty()) return false;
      params.emplace_back(seg.text, segments[i]);
    }
  }
  return pattern.size() == segments.size();
}

bool MoreSpecific(const Router::Route& a, const Router::Route& b) {
  const size_t n = std::min(a.segments.size(), b.segments.size());
  for (size_t i = 0; i < n; ++i) {
    if (a.segments[i].kind != b.segments[i].kind) {
      return a.segments[i].kind > b.segments[i].kind;
    }
  }
  return a.segments.size() > b.segments.size();
}

}  // namespace

void Router::Add(Route route, std::string_view pattern) {
  route.pattern = std::string(pattern);
  route.segments = ParsePattern(pattern);
  for (const Route& existing : routes_) {
    if (existing.method == route.method && existing.pattern == route.pattern) {
      BadRoute(pattern, "registered twice for the same method");
    }
  }
  routes_.push_back(std::move(route));
}

void Router::Handle(std::string_view method, std::string_view pattern, Handler handler,
                    RouteOptions options) {
  Route route;
  route.method = std::string(method);
  route.handler = std::move(handler);
  route.options = options;
  Add(std::move(route), pattern);
}

void Router::HandleWebSocket(std::string_view pattern, WebSocketHandler handler) {
  Route route;
  route.method = "GET";
  route.ws_handler = std::move(handler);
  Add(std::move(route), pattern);
}

Router::Match Router::Find(std::string_view method,
                           const std::vector<std::string>& segments) const {
  Match best;
  HeaderList params;
  for (const Route& route : routes_) {
    if (!MatchRoute(route, segments, params)) continue;
    const bool method_ok = route.method == method || (method == "HEAD" && route.method == "GET");
    if (!method_ok) {
      best.allowed.push_back(route.method);
      if (route.method == "GET") best.allowed.push_back("HEAD");
      continue;
    }
    if (best.route == nullptr || MoreSpecific(route, *best.route)) {
      best.route = &route;
      best.params = params;
    }
  }
  if (best.route != nullptr) {
    best.allowed.clear();
  } else {
    std::sort(best.allowed.begin(), best.allowed.end());
    best.allowed.erase(std::unique(best.allowed.begin(), best.allowed.end()), best.allowed.end());
  }
  return best;
}

}  // namespace datamesh::gateway::http
