#include "services/gateway/http/url.h"

#include "shared/text/utf8.h"

namespace datamesh::gateway::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<TargetParts> SplitTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return absl::InvalidArgumentError("request target must be an absolute path");
  }
  TargetParts parts;
  const size_t q = target.find('?');
  parts.path = target.substr(0, q);
  if (q != std::string_view::npos) parts.query = target.substr(q + 1);
  // A fragment is never sent by conforming clients; treat it as part of nothing.
  if (parts.path.find('#') != std::string_view::npos) {
    return absl::InvalidArgumentError("request target must not contain a fragment");
  }
  return parts;
}

absl::StatusOr<std::string> PercentDecode(std::string_view in, bool plus_as_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) {
        return absl::InvalidArgumentError("truncated percent escape");
      }
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return absl::InvalidArgumentError("invalid percent escape");
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_as_space) {
      c = ' ';
    }
    // Escaped or raw: the HTTP parser never lets a raw NUL into a target, but this function
    // promises no NUL whoever calls it.
    if (c == '\0') return absl::InvalidArgumentError("NUL byte in URL");
    out += c;
  }
  // Names and values travel on as protobuf strings and JSON: UTF-8 only.
  if (!text::IsValidUtf8(out)) {
    return absl::InvalidArgumentError("URL holds bytes that are not UTF-8");
  }
  return out;
}

absl::StatusOr<HeaderList> ParseQuery(std::string_view query) {
  HeaderList params;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (piece.empty()) continue;
    const size_t eq = piece.find('=');
    auto name = PercentDecode(piece.substr(0, eq), /*plus_as_space=*/true);
    if (!name.ok()) return name.status();
    std::string value;
    if (eq != std::string_view::npos) {
      auto decoded = PercentDecode(piece.substr(eq + 1), /*plus_as_space=*/true);
      if (!decoded.ok()) return decoded.status();
      value = *std::move(decoded);
    }
    params.emplace_back(*std::move(name), std::move(value));
  }
  return params;
}

absl::StatusOr<std::vector<std::string>> DecodePathSegments(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return absl::InvalidArgumentError("path must start with '/'");
  }
  std::vector<std::string> segments;
  if (path == "/") return segments;
  path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    auto segment = PercentDecode(path.substr(0, slash), /*plus_as_space=*/false);
    if (!segment.ok()) return segment.status();
    if (*segment == "." || *segment == "..") {
      return absl::InvalidArgumentError("dot segments are not allowed in paths");
    }
    segments.push_back(*std::move(segment));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

}  // namespace datamesh::gateway::http
