// Fuzz target: PromQL queries as the gateway passes them to monitoring (admins' /query and
// /query_range): the parser and engine (services/monitoring/promql/), the API's time and
// duration parameters (services/monitoring/prometheus_params.h) and the answer's JSON
// (services/monitoring/promql/api_json.h).
//
// Input (text):
//   line 1: the query
//   line 2: a time parameter (`time`, `start`, `end`)
//   line 3: a duration parameter (`step`)
//
// The query runs as an instant query and as a short range query over a small in-memory source
// (two counters, a gauge, a series ending in a staleness marker).
//
// Invariants: refusals are INVALID_ARGUMENT (parse, type check, parameters), FAILED_PRECONDITION
// (execution) or RESOURCE_EXHAUSTED (limits); a query that parses also evaluates or is refused
// so; an answer renders as one JSON object with "status":"success"; a parsed time or duration
// written back as seconds parses to the same milliseconds.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "fuzz/fuzz_support.h"
#include "services/monitoring/prometheus_params.h"
#include "services/monitoring/promql/api_json.h"
#include "services/monitoring/promql/engine.h"
#include "services/monitoring/promql/memory_series_source.h"
#include "services/monitoring/promql/parser.h"

namespace {

namespace mon = datamesh::monitoring;
namespace promql = datamesh::monitoring::promql;

constexpr int64_t kNowMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

const promql::MemorySeriesSource& Source() {
  static const promql::MemorySeriesSource* const kSource = [] {
    auto* source = new promql::MemorySeriesSource();
    double stale;
    const uint64_t stale_bits = 0x7ff0000000000002;  // Prometheus' staleness marker
    std::memcpy(&stale, &stale_bits, sizeof(stale));
    for (int i = 0; i < 40; ++i) {
      const int64_t t = kNowMs - (40 - i) * 15'000;
      const auto add = [&](promql::Labels labels, double v) {
        FUZZ_CHECK(source->Add(promql::MakeLabels(std::move(labels)), t, v).ok());
      };
      add({{"__name__", "http_requests_total"}, {"job", "api"}, {"instance", "a"}}, i * 10.0);
      add({{"__name__", "http_requests_total"}, {"job", "api"}, {"instance", "b"}},
          i < 20 ? i * 3.0 : (i - 20) * 2.0);  // a counter reset
      add({{"__name__", "disk_free_bytes"}, {"job", "store"}, {"zone", "z1"}},
          1e9 - i * 1e6 + (i % 3) * 0.5);
      add({{"__name__", "up"}, {"job", "store"}}, i < 39 ? 1.0 : stale);
    }
    return source;
  }();
  return *kSource;
}

bool IsRefusal(const absl::Status& status) {
  const absl::StatusCode code = status.code();
  return code == absl::StatusCode::kInvalidArgument ||
         code == absl::StatusCode::kFailedPrecondition ||
         code == absl::StatusCode::kResourceExhausted;
}

void CheckAnswer(const absl::StatusOr<promql::QueryResult>& result) {
  if (!result.ok()) {
    FUZZ_CHECK(IsRefusal(result.status()));
    return;
  }
  // A string literal's escapes can make bytes that are not UTF-8 ("\xff"): the answer is still
  // rendered, as valid JSON.
  const std::string body = promql::RenderSuccessBody(*result);
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!json.is_discarded() && json.is_object());
  FUZZ_CHECK(json.contains("status") && json["status"] == "success");
  FUZZ_CHECK(json.contains("data") && json["data"].is_object());
}

// Milliseconds as the decimal seconds a client would send.
std::string AsSeconds(int64_t ms) {
  const char* sign = ms < 0 ? "-" : "";
  const uint64_t abs = ms < 0 ? 0 - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  char text[48];
  std::snprintf(text, sizeof(text), "%s%llu.%03llu", sign,
                static_cast<unsigned long long>(abs / 1000),
                static_cast<unsigned long long>(abs % 1000));
  return text;
}

void CheckParams(std::string_view time_text, std::string_view duration_text) {
  absl::StatusOr<int64_t> t = mon::ParseApiTime(time_text);
  if (t.ok()) {
    // Seconds with three decimals stay exact in a float64 well past the year 2200; beyond,
    // the text may round.
    if (std::llabs(*t) < (int64_t{1} << 43)) {
      absl::StatusOr<int64_t> again = mon::ParseApiTime(AsSeconds(*t));
      FUZZ_CHECK(again.ok() && *again == *t);
    }
  } else {
    FUZZ_CHECK(t.status().code() == absl::StatusCode::kInvalidArgument);
  }
  absl::StatusOr<int64_t> d = mon::ParseApiDuration(duration_text);
  if (!d.ok()) FUZZ_CHECK(d.status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = datamesh::fuzz::AsText(data, size);
  const std::string_view query = datamesh::fuzz::TakeLine(text);
  const std::string_view time_text = datamesh::fuzz::TakeLine(text);
  const std::string_view duration_text = datamesh::fuzz::TakeLine(text);
  CheckParams(time_text, duration_text);

  absl::StatusOr<promql::ExprPtr> parsed = promql::ParseQuery(query);
  if (!parsed.ok()) FUZZ_CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);

  promql::EngineOptions options;
  options.max_samples = 100'000;
  options.max_points_per_series = 200;
  const promql::Engine engine(Source(), options);
  const absl::StatusOr<promql::QueryResult> instant = engine.InstantQuery(query, kNowMs);
  if (!parsed.ok()) FUZZ_CHECK(!instant.ok());
  CheckAnswer(instant);
  CheckAnswer(engine.RangeQuery(query, kNowMs - 600'000, kNowMs, 60'000));
  return 0;
}
