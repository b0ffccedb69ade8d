// BuildReport: the analytics report over the series store. Runs the PromQL range queries below
// with the Engine over the window, one point per step, and hands the points to the pure
// functions of report.h:
//
//   storage    sum(datamesh_chunk_store_used_bytes)                          bytes
//   bandwidth  sum(rate(datamesh_file_ingest_transferred_bytes_total[R]))    bytes/s
//   requests   sum(rate(datamesh_grpc_server_handled_total[R]))              requests/s
//   zones      sum by (zone, instance) (datamesh_chunk_store_used_bytes) and ..._capacity_bytes
//
// R is twice the step, at least 5 minutes. A zone is the series' `zone` label when it has one,
// else the zone the chunk-store instance reports in its node heartbeats (`zone_of`), else ""
// (shown as "(no zone)"). Usage patterns average the requests points.
//
// Thread-safe: the source must allow concurrent Selects (the store does).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/monitoring/analytics/report.h"
#include "services/monitoring/promql/series_source.h"

namespace datamesh::monitoring::analytics {

struct ReportRequest {
  absl::Time now;
  absl::Duration window = absl::Hours(24 * 7);
  std::string zone;     // only this zone's forecast and recommendations; all when empty
  std::string section;  // "trends", "forecasts", "patterns", "recommendations"; all when empty
};

struct Report {
  absl::Time generated_at;
  absl::Duration window;
  absl::Duration step;
  std::vector<Trend> trends;
  std::vector<ZoneForecast> forecasts;
  std::vector<UsagePattern> patterns;
  std::vector<Recommendation> recommendations;
  std::vector<Gap> gaps;
};

// The zone of a chunk-store instance id, "" when unknown.
using ZoneOf = std::function<std::string(const std::string& instance)>;

// The step of a window: one point per 1/720 of it, at least a minute, in whole seconds.
absl::Duration StepFor(absl::Duration window);

// INVALID_ARGUMENT for a window under 1 hour or over 90 days, or an unknown section; the
// source's errors (UNAVAILABLE, ...) as they come.
absl::StatusOr<Report> BuildReport(const promql::SeriesSource& source, const ZoneOf& zone_of,
                                   const ReportRequest& request);

}  // namespace datamesh::monitoring::analytics
