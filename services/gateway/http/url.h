// Request-target parsing for the gateway: splitting path and query, and strict percent-decoding.
// Decoding is strict on purpose: a malformed escape, a decoded NUL, or a "." / ".." path segment
// is INVALID_ARGUMENT (answered 400) rather than guessed at, so handlers never see path tricks.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/gateway/http/request.h"

namespace datamesh::gateway::http {

struct TargetParts {
  std::string_view path;   // starts with '/'
  std::string_view query;  // after '?', may be empty
};

// INVALID_ARGUMENT unless `target` is origin-form ("/path?query").
[[nodiscard]] absl::StatusOr<TargetParts> SplitTarget(std::string_view target);

// Decodes %XX escapes; with `plus_as_space` (query strings) '+' becomes ' '. INVALID_ARGUMENT for
// malformed escapes, a NUL, or a result that is not valid UTF-8.
[[nodiscard]] absl::StatusOr<std::string> PercentDecode(std::string_view in, bool plus_as_space);

// "a=1&b=x+y&c" -> {{"a","1"},{"b","x y"},{"c",""}}; empty pieces are skipped.
[[nodiscard]] absl::StatusOr<HeaderList> ParseQuery(std::string_view query);

// "/api/v1/files/a%20b" -> {"api","v1","files","a b"}; "/" -> {}. A trailing slash yields a last
// empty segment, so "/x/" does not match the route "/x".
[[nodiscard]] absl::StatusOr<std::vector<std::string>> DecodePathSegments(std::string_view path);

}  // namespace datamesh::gateway::http
