// Renders query answers as the Prometheus HTTP API does, so the gateway can serve
// /api/v1/query and /api/v1/query_range (and Grafana can read them):
//
//   {"resultType":"vector","result":[{"metric":{"job":"a"},"value":[1700000000.5,"1.25"]}]}
//   {"resultType":"matrix","result":[{"metric":{...},"values":[[1700000000,"1"],...]}]}
//   {"resultType":"scalar","result":[1700000000,"3"]}
//   {"resultType":"string","result":[1700000000,"text"]}
//
// Times are Unix seconds with up to three decimals; values are strings in Go's shortest 'f'
// form ("0.1", "1e+21" never: "1000000000000000000000"), "NaN", "+Inf", "-Inf".
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "services/monitoring/promql/engine.h"

namespace datamesh::monitoring::promql {

// The "data" member of a successful answer.
std::string RenderQueryData(const QueryResult& result);

// {"status":"success","data":...}: the whole body of a successful answer.
std::string RenderSuccessBody(const QueryResult& result);

// Go's strconv.FormatFloat(v, 'f', -1, 64), with Prometheus' NaN/+Inf/-Inf.
std::string FormatSampleValue(double v);

// Milliseconds as Unix seconds: 1700000000123 -> "1700000000.123", 1700000000000 -> "1700000000".
std::string FormatTimestamp(int64_t ms);

}  // namespace datamesh::monitoring::promql
