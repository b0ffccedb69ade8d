// The gateway's error responses (docs/API.md): status code + {"error": {"code", "message"}},
// mapped from absl::Status in one place, and request ids.
//
// Most errors map by canonical code (shared/status/http_status.h). The edge has a few answers no
// canonical code expresses (413 PAYLOAD_TOO_LARGE, 403 QUOTA_EXCEEDED, 431): WithHttpError pins
// the HTTP status and API code onto a status as a payload, which ApiErrorFor honours.
//
// 5xx answers never carry the status message unless the status was pinned with WithHttpError
// (which declares the message safe for clients): they get a generic text instead.
//
// Thread safety: all functions are thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace datamesh::gateway::http {

struct ApiError {
  int http_status = 500;
  std::string code;     // SNAKE_CASE, e.g. "NOT_FOUND"
  std::string message;  // safe to show to the client
};

// Returns `status` carrying an explicit HTTP status and API code. `status` must not be OK.
[[nodiscard]] absl::Status WithHttpError(absl::Status status, int http_status,
                                         std::string_view api_code);

// RESOURCE_EXHAUSTED pinned to 413 PAYLOAD_TOO_LARGE.
[[nodiscard]] absl::Status PayloadTooLarge(std::string_view message);

// The client-facing error for a non-OK status.
ApiError ApiErrorFor(const absl::Status& status);

// {"error":{"code":"...","message":"..."}}, valid JSON even for messages with control
// characters or invalid UTF-8 (replaced by U+FFFD).
std::string ErrorJson(const ApiError& error);

// A client-supplied X-Request-Id is echoed only if it is 1..128 chars of [A-Za-z0-9._-].
bool IsValidRequestId(std::string_view id);

// 128 random bits as 32 lowercase hex characters.
std::string NewRequestId();

}  // namespace datamesh::gateway::http
