// The parser of the Prometheus text exposition format 0.0.4 and of OpenMetrics text 1.0: what
// every DataMesh service's /metrics serves (prometheus-cpp), what the monitoring service scrapes,
// and what its import endpoint accepts.
//
// One pure function, ParseExposition, over the whole body: no state, no I/O, no allocation
// beyond its answer, so it can be fuzzed directly. Thread-safe.
//
// What it reads: `# HELP`, `# TYPE` and (OpenMetrics) `# UNIT` lines; samples
// `name{label="value",...} value [timestamp]` of counters, gauges, histograms (_bucket with `le`,
// _sum, _count), summaries (`quantile`), untyped/unknown, info and stateset families; label
// values with the escapes \\ \" \n; values as Go reads floats (NaN, +Inf, -Inf in any case);
// OpenMetrics exemplars (checked, then dropped) and its closing `# EOF`.
//
// The formats differ in two ways that matter to callers: text 0.0.4 timestamps are integer
// milliseconds, OpenMetrics timestamps are (fractional) seconds — both come out here as
// milliseconds, OpenMetrics' rounded to the nearest one; and OpenMetrics requires `# EOF` last
// and allows no other comments, where text 0.0.4 ignores comments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace datamesh::monitoring::exposition {

enum class Format {
  kPrometheusText,  // text/plain; version=0.0.4
  kOpenMetrics,     // application/openmetrics-text; version=1.0.0
};

// The format a Content-Type header names: OpenMetrics for "application/openmetrics-text...",
// the Prometheus text format for anything else (its historical default).
Format FormatFromContentType(std::string_view content_type);

enum class MetricType {
  kUnknown,  // "untyped" in text 0.0.4, "unknown" in OpenMetrics, or no TYPE line
  kCounter,
  kGauge,
  kHistogram,
  kGaugeHistogram,
  kSummary,
  kInfo,
  kStateSet,
};

// "counter", "gauge", ... as OpenMetrics spells them ("unknown" for kUnknown).
std::string_view MetricTypeName(MetricType type);

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
};

// Sorted by name, names unique. The metric name is never among them.
using Labels = std::vector<Label>;

struct Sample {
  std::string name;  // the sample's own name, e.g. "http_seconds_bucket"
  Labels labels;
  double value = 0;
  std::optional<int64_t> timestamp_ms;  // absent when the line has none
};

// What HELP/TYPE/UNIT lines said about one metric family.
struct Metadata {
  std::string family;  // the name on those lines, e.g. "http_seconds"
  MetricType type = MetricType::kUnknown;
  std::string help;  // unescaped
  std::string unit;  // OpenMetrics only
};

struct Exposition {
  std::vector<Sample> samples;     // in input order
  std::vector<Metadata> metadata;  // in order of first mention
};

// Bounds on what one body may hold, so a hostile or broken target cannot exhaust memory.
struct ParseLimits {
  size_t max_line_bytes = 64 * 1024;
  size_t max_labels_per_sample = 64;
  size_t max_samples = 500'000;
};

// Parses a whole exposition body. Errors name the 1-based line:
//   INVALID_ARGUMENT    "line 7: label value is not quoted" (syntax, duplicate label, second TYPE
//                       line for a family, a histogram bucket without a numeric `le`, missing or
//                       misplaced `# EOF` in OpenMetrics, ...)
//   RESOURCE_EXHAUSTED  a limit of `limits` passed ("line 3: 70 labels, the limit is 64")
// `body` need not outlive the call.
absl::StatusOr<Exposition> ParseExposition(std::string_view body, Format format,
                                           const ParseLimits& limits = {});

}  // namespace datamesh::monitoring::exposition
