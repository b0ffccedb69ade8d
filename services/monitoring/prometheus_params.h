// Reading the parameters of the Prometheus HTTP API as Prometheus 2.42 reads them (its
// web/api/v1 parseTime and parseDuration), with its error texts. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace datamesh::monitoring {

// The bounds Prometheus uses for an unbounded start and end, in Unix milliseconds.
inline constexpr int64_t kApiMinTimeMs = -9223309901257974000;
inline constexpr int64_t kApiMaxTimeMs = 9223309901257974999;

// Unix seconds with a fraction (rounded to the millisecond), RFC 3339, or Prometheus' own
// spelling of the two bounds. INVALID_ARGUMENT `cannot parse "x" to a valid timestamp`.
absl::StatusOr<int64_t> ParseApiTime(std::string_view text);

// Seconds with a fraction, or a PromQL duration ("1m30s"), to milliseconds (truncated).
// INVALID_ARGUMENT `cannot parse "x" to a valid duration`.
absl::StatusOr<int64_t> ParseApiDuration(std::string_view text);

// `text` quoted as Go's %q quotes it (for the strings this API quotes in errors).
std::string GoQuote(std::string_view text);

// Whether `name` is a valid label name ([a-zA-Z_][a-zA-Z0-9_]*).
bool IsValidLabelName(std::string_view name);

}  // namespace datamesh::monitoring
