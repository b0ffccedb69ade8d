// Fuzz target: the request target of every HTTP request (services/gateway/http/url.h) - split
// into path and query, path segments and query parameters percent-decoded - and the router's
// match of the decoded segments (services/gateway/http/router.h).
//
// Input (text): the raw request target, e.g. "/api/v1/files/a%20b?limit=5&tags=k:v".
//
// Invariants: a split target is path + "?" + query exactly, the path starts with '/' and holds
// no '#'; every decoded segment, name and value is valid UTF-8 without NUL; no segment is "."
// or ".."; the path has as many segments as slashes; percent-encoding the decoded text again
// and decoding it gives it back; the router hands a route's parameters the decoded segments
// at their positions.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "services/gateway/http/router.h"
#include "services/gateway/http/url.h"
#include "shared/text/utf8.h"

namespace {

namespace http = datamesh::gateway::http;

// Every byte as %XX except unreserved ones (RFC 3986): the most cautious client's encoding.
std::string Encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

void CheckDecoded(std::string_view decoded) {
  FUZZ_CHECK(datamesh::text::IsValidUtf8(decoded));
  FUZZ_CHECK(decoded.find('\0') == std::string_view::npos);
  for (bool plus_as_space : {false, true}) {
    absl::StatusOr<std::string> again = http::PercentDecode(Encode(decoded), plus_as_space);
    FUZZ_CHECK(again.ok() && *again == decoded);
  }
}

const http::Router& GatewayLikeRouter() {
  static const http::Router* const kRouter = [] {
    auto* router = new http::Router();
    const http::Handler none = [](const http::Request&, http::BodyReader&, http::ResponseWriter&) {
    };
    router->Handle("GET", "/api/v1/files", none);
    router->Handle("GET", "/api/v1/files/{id}", none);
    router->Handle("DELETE", "/api/v1/files/{id}", none);
    router->Handle("GET", "/api/v1/files/{id}/health", none);
    router->Handle("GET", "/api/v1/admin/maintenance/{jobId}", none);
    router->Handle("GET", "/{path*}", none);
    return router;
  }();
  return *kRouter;
}

void CheckRoute(const std::vector<std::string>& segments) {
  for (std::string_view method : {"GET", "DELETE", "POST"}) {
    const http::Router::Match match = GatewayLikeRouter().Find(method, segments);
    if (match.route == nullptr) continue;
    FUZZ_CHECK(match.route->method == method);
    const std::vector<http::Router::Route::Segment>& pattern = match.route->segments;
    size_t i = 0;
    for (const http::Router::Route::Segment& p : pattern) {
      using Kind = http::Router::Route::SegmentKind;
      if (p.kind == Kind::kRest) break;
      FUZZ_CHECK(i < segments.size());
      if (p.kind == Kind::kLiteral) FUZZ_CHECK(segments[i] == p.text);
      if (p.kind == Kind::kParam) {
        FUZZ_CHECK(!segments[i].empty());
        bool found = false;
        for (const auto& [name, value] : match.params) {
          if (name == p.text) found = value == segments[i];
        }
        FUZZ_CHECK(found);
      }
      ++i;
    }
    if (pattern.empty() || pattern.back().kind != http::Router::Route::SegmentKind::kRest) {
      FUZZ_CHECK(i == segments.size());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view target = datamesh::fuzz::AsText(data, size);

  // The decoders also see text that is not a whole target (a query value, a header).
  if (absl::StatusOr<std::string> decoded = http::PercentDecode(target, false); decoded.ok()) {
    CheckDecoded(*decoded);
  }

  absl::StatusOr<http::TargetParts> parts = http::SplitTarget(target);
  if (!parts.ok()) {
    FUZZ_CHECK(parts.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(!parts->path.empty() && parts->path.front() == '/');
  FUZZ_CHECK(parts->path.find('#') == std::string_view::npos);
  FUZZ_CHECK(parts->path.find('?') == std::string_view::npos);
  const bool has_query = parts->path.size() < target.size();
  FUZZ_CHECK(std::string(parts->path) + (has_query ? "?" : "") + std::string(parts->query) ==
             target);

  absl::StatusOr<std::vector<std::string>> segments = http::DecodePathSegments(parts->path);
  if (segments.ok()) {
    size_t slashes = 0;
    for (char c : parts->path) slashes += c == '/';
    FUZZ_CHECK(parts->path == "/" ? segments->empty() : segments->size() == slashes);
    for (const std::string& s : *segments) {
      CheckDecoded(s);
      FUZZ_CHECK(s != "." && s != "..");
    }
    CheckRoute(*segments);
  } else {
    FUZZ_CHECK(segments.status().code() == absl::StatusCode::kInvalidArgument);
  }

  absl::StatusOr<http::HeaderList> query = http::ParseQuery(parts->query);
  if (query.ok()) {
    std::string again;
    for (const auto& [name, value] : *query) {
      CheckDecoded(name);
      CheckDecoded(value);
      again += (again.empty() ? "" : "&") + Encode(name) + "=" + Encode(value);
    }
    // Encoded again, the parameters parse to the same list (empty pieces were skipped).
    absl::StatusOr<http::HeaderList> reparsed = http::ParseQuery(again);
    FUZZ_CHECK(reparsed.ok() && *reparsed == *query);
  } else {
    FUZZ_CHECK(query.status().code() == absl::StatusCode::kInvalidArgument);
  }
  return 0;
}
