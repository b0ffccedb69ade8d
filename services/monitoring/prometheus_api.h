// The Prometheus HTTP API subset the gateway serves under /api/v1/monitoring/prometheus/api/v1/:
// query, query_range, series, labels and label/<name>/values, with Prometheus 2.42's
// parameters, defaults, checks and error texts, over any SeriesSource. Each call returns the
// answer's `data` member as JSON, exactly as Prometheus renders it (the caller wraps it in
// {"status":"success","data":...}).
//
// Parameters are given in Go's Request.Form order (form body first, then the query string):
// the first value of a name counts, `match[]` takes all. Times are Unix seconds (fractions
// rounded to the millisecond) or RFC 3339; durations are seconds or PromQL durations ("5m").
//
// Errors, with Prometheus' message:
//   INVALID_ARGUMENT     what Prometheus answers 400 "bad_data" ("invalid parameter \"query\":
//                        1:5: parse error: ...")
//   FAILED_PRECONDITION, RESOURCE_EXHAUSTED
//                        what it answers 422 "execution" (the query failed on the data)
//   the source's own errors (UNAVAILABLE, ...) as they come.
//
// Thread-safe: holds no mutable state; the source must allow concurrent reads.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/monitoring/promql/engine.h"
#include "services/monitoring/promql/series_source.h"

namespace datamesh::monitoring {

using ApiParams = std::vector<std::pair<std::string, std::string>>;

class PrometheusApi {
 public:
  // `source` must outlive the API object.
  explicit PrometheusApi(const promql::SeriesSource& source, promql::EngineOptions options = {});

  // /api/v1/query: `query`, `time` (default `now`), `timeout`.
  absl::StatusOr<std::string> Query(const ApiParams& params, absl::Time now) const;
  // /api/v1/query_range: `query`, `start`, `end`, `step`, `timeout`.
  absl::StatusOr<std::string> QueryRange(const ApiParams& params) const;
  // /api/v1/series: `match[]` (at least one), `start`, `end`.
  absl::StatusOr<std::string> Series(const ApiParams& params) const;
  // /api/v1/labels: optional `match[]`, `start`, `end`.
  absl::StatusOr<std::string> LabelNames(const ApiParams& params) const;
  // /api/v1/label/<name>/values: optional `match[]`, `start`, `end`.
  absl::StatusOr<std::string> LabelValues(std::string_view name, const ApiParams& params) const;

 private:
  absl::StatusOr<std::vector<promql::Labels>> MatchingSeries(const ApiParams& params,
                                                             bool match_required) const;

  const promql::SeriesSource& source_;
  const promql::Engine engine_;
};

// Go's encoding/json escapes of <, >, &, U+2028 and U+2029 applied to JSON text (they occur
// only inside strings), so answers match Prometheus' byte for byte.
std::string GoJsonEscapes(std::string json);

}  // namespace datamesh::monitoring
