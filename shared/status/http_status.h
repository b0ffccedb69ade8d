// The one place that maps status codes to the REST contract's error codes and HTTP statuses
// (docs/API.md: {"error": {"code": "SNAKE_CASE_CODE", "message": "..."}}).
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace datamesh {

// HTTP status for a canonical code, e.g. kNotFound -> 404, kResourceExhausted -> 429.
int HttpStatusFor(absl::StatusCode code);

// The API error code for a canonical code, e.g. kInvalidArgument -> "INVALID_ARGUMENT".
std::string_view ApiErrorCode(absl::StatusCode code);

}  // namespace datamesh
