// MonitoringService messages <-> the domain types of metrics_query.h and prometheus_api.h.
// Pure functions, thread-safe.
#pragma once

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "datamesh/monitoring/v1/monitoring.pb.h"
#include "services/monitoring/metrics_query.h"
#include "services/monitoring/prometheus_api.h"

namespace datamesh::monitoring {

void ToProto(const promql::Vector& latest, v1::GetMetricsResponse* out);

// The request with its defaults filled in: `to` now, `from` an hour before `to`, a step of
// about 300 points, the aggregation by the metric's name. INVALID_ARGUMENT for an unknown
// aggregation or a timestamp out of range.
absl::StatusOr<StepQuery> FromProto(const v1::QuerySeriesRequest& request, absl::Time now);

void ToProto(const promql::Matrix& series, v1::QuerySeriesResponse* out);

ApiParams FromProto(const v1::QueryPrometheusRequest& request);

}  // namespace datamesh::monitoring
