// Durations as Prometheus writes them in rule and test files: units y, w, d, h, m, s, ms in
// that order, each at most once ("1h30m", "5m", "0s", "500ms"; a year is 365 days). Pure
// functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace datamesh::monitoring::rules {

// INVALID_ARGUMENT naming the text when it is not such a duration.
absl::StatusOr<absl::Duration> ParsePromDuration(std::string_view text);

// The shortest such text ("1h30m", "0s"), whole milliseconds.
std::string FormatPromDuration(absl::Duration d);

}  // namespace datamesh::monitoring::rules
