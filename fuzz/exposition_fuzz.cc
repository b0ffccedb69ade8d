// Fuzz target: the Prometheus text / OpenMetrics parser of the monitoring service
// (services/monitoring/exposition/exposition_parser.h) - what it scrapes from every target and
// what its import endpoint accepts.
//
// Input (text): a body, parsed as text 0.0.4 and as OpenMetrics, with the default limits and
// with small ones.
//
// Invariants: every sample has a name and labels sorted by name with unique names, within the
// limits; refusals are INVALID_ARGUMENT or (a limit passed) RESOURCE_EXHAUSTED, with a line
// number; the samples written back in the text format parse to the same samples (values bit
// for bit, NaN payloads aside, timestamps equal).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.h"
#include "services/monitoring/exposition/exposition_parser.h"

namespace {

namespace expo = datamesh::monitoring::exposition;

std::string Escaped(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string ValueText(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char text[64];
  std::snprintf(text, sizeof(text), "%.17g", v);
  return text;
}

// The samples as text 0.0.4 lines, without metadata.
std::string Render(const expo::Exposition& parsed) {
  std::string out;
  for (const expo::Sample& s : parsed.samples) {
    out += s.name;
    if (!s.labels.empty()) {
      out += '{';
      for (size_t i = 0; i < s.labels.size(); ++i) {
        out += (i > 0 ? "," : "") + s.labels[i].name + "=\"" + Escaped(s.labels[i].value) + "\"";
      }
      out += '}';
    }
    out += ' ' + ValueText(s.value);
    if (s.timestamp_ms) out += ' ' + std::to_string(*s.timestamp_ms);
    out += '\n';
  }
  return out;
}

bool SameValue(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof(a)) == 0;
}

void CheckParsed(const expo::Exposition& parsed, const expo::ParseLimits& limits) {
  FUZZ_CHECK(parsed.samples.size() <= limits.max_samples);
  for (const expo::Sample& s : parsed.samples) {
    FUZZ_CHECK(!s.name.empty());
    FUZZ_CHECK(s.labels.size() <= limits.max_labels_per_sample);
    for (size_t i = 1; i < s.labels.size(); ++i) {
      FUZZ_CHECK(s.labels[i - 1].name < s.labels[i].name);
    }
  }
}

void Parse(std::string_view body, expo::Format format, const expo::ParseLimits& limits) {
  absl::StatusOr<expo::Exposition> parsed = expo::ParseExposition(body, format, limits);
  if (!parsed.ok()) {
    const absl::StatusCode code = parsed.status().code();
    FUZZ_CHECK(code == absl::StatusCode::kInvalidArgument ||
               code == absl::StatusCode::kResourceExhausted);
    FUZZ_CHECK(std::string(parsed.status().message()).starts_with("line "));
    return;
  }
  CheckParsed(*parsed, limits);
  // Text 0.0.4 takes what either format produced (timestamps are milliseconds in both); the
  // default limits, since a value written back may be longer than it was ("0.1").
  absl::StatusOr<expo::Exposition> again =
      expo::ParseExposition(Render(*parsed), expo::Format::kPrometheusText);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->samples.size() == parsed->samples.size());
  for (size_t i = 0; i < parsed->samples.size(); ++i) {
    const expo::Sample& a = parsed->samples[i];
    const expo::Sample& b = again->samples[i];
    FUZZ_CHECK(a.name == b.name && a.labels == b.labels && a.timestamp_ms == b.timestamp_ms);
    FUZZ_CHECK(SameValue(a.value, b.value));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = datamesh::fuzz::AsText(data, size);
  const expo::ParseLimits defaults;
  const expo::ParseLimits small{
      .max_line_bytes = 256, .max_labels_per_sample = 4, .max_samples = 16};
  for (expo::Format format : {expo::Format::kPrometheusText, expo::Format::kOpenMetrics}) {
    Parse(body, format, defaults);
    Parse(body, format, small);
  }
  return 0;
}
