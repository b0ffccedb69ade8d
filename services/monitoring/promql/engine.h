// The PromQL engine: instant and range queries over a SeriesSource, with Prometheus 2.42's
// semantics — the 5-minute lookback of instant selectors, staleness markers, closed range
// windows [t - range, t], offset, rate/increase extrapolation, vector matching — for the subset
// parser.h accepts. README.md lists the subset and the known differences.
//
// Usage:
//   Engine engine(source);
//   absl::StatusOr<QueryResult> r = engine.RangeQuery("sum by (job) (rate(x[5m]))",
//                                                    start_ms, end_ms, 60'000);
//   std::string data = RenderQueryData(*r);   // api_json.h: the HTTP API's "data" object
//
// Errors: INVALID_ARGUMENT for a query that does not parse or type-check ("1:5: parse error:
// ...") or bad range parameters; FAILED_PRECONDITION when evaluation fails on the data, as
// Prometheus' "execution" errors do (duplicate label sets, many-to-many matching);
// RESOURCE_EXHAUSTED past EngineOptions::max_samples; the source's own errors as they come.
//
// Thread-safe: an Engine holds no mutable state; the source must allow concurrent Selects.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/monitoring/promql/ast.h"
#include "services/monitoring/promql/series_source.h"

namespace datamesh::monitoring::promql {

struct EngineOptions {
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  // Samples one query may load from the source (Prometheus' --query.max-samples).
  size_t max_samples = 50'000'000;
  // Points per series of a range query: (end - start) / step may not exceed it.
  int64_t max_points_per_series = 11'000;
};

// One element of an instant vector.
struct VectorSample {
  Labels labels;
  double value = 0;
};
using Vector = std::vector<VectorSample>;

// One series of a range vector or of a range query's answer.
struct MatrixSeries {
  Labels labels;
  std::vector<SamplePoint> points;
};
using Matrix = std::vector<MatrixSeries>;

// A query's answer: `type` says which member holds it. Vectors and matrices are sorted by
// labels.
struct QueryResult {
  ValueType type = ValueType::kScalar;
  int64_t time_ms = 0;  // instant queries: the evaluation time (of scalars, strings, vectors)
  double scalar = 0;
  std::string string;
  Vector vector;
  Matrix matrix;
};

class Engine {
 public:
  // `source` must outlive the engine.
  explicit Engine(const SeriesSource& source, EngineOptions options = {});

  // Evaluates `query` at `time_ms`: any expression type.
  absl::StatusOr<QueryResult> InstantQuery(std::string_view query, int64_t time_ms) const;

  // Evaluates `query` at start, start + step, ... up to end: a matrix. The expression must be a
  // scalar or an instant vector. INVALID_ARGUMENT when step <= 0, end < start or too many points.
  absl::StatusOr<QueryResult> RangeQuery(std::string_view query, int64_t start_ms, int64_t end_ms,
                                         int64_t step_ms) const;

 private:
  const SeriesSource& source_;
  const EngineOptions options_;
};

}  // namespace datamesh::monitoring::promql
