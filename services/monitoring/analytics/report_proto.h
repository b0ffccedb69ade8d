// The analytics report as the API gives it: GetAnalyticsResponse (JSON through the gateway)
// and CSV, one row per figure:
//
//   section,item,figure,value,unit,query,note
//   trends,storage,slope_per_day,1048576,bytes/day,sum(datamesh_chunk_store_used_bytes),
//   forecasts,zone-a,days_until_full,12.5,days,...,filling
//   patterns,hour_of_day,13,4.2,requests/s,...,samples=7
//   recommendations,add_nodes zone-a,days_until_full,12.5,days,,Add storage nodes in ...
//   trends,bandwidth,not_enough_data,,,,not enough data (3 samples over 2 minutes, need ...)
//
// Fields are quoted as RFC 4180 says (commas, quotes, line breaks); numbers are written with
// up to 17 significant digits, so they read back exactly.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "datamesh/monitoring/v1/monitoring.pb.h"
#include "services/monitoring/analytics/report_builder.h"

namespace datamesh::monitoring::analytics {

monitoring::v1::GetAnalyticsResponse ReportToProto(const Report& report);

std::string ReportCsv(const monitoring::v1::GetAnalyticsResponse& report);

// GetAnalytics: the request read (window 7 days when unset; format "json" or "csv"), the
// report built at `now`, `csv` filled when asked. INVALID_ARGUMENT for a bad window, section
// or format; the source's errors as they come.
absl::StatusOr<monitoring::v1::GetAnalyticsResponse> AnswerAnalytics(
    const promql::SeriesSource& source, const ZoneOf& zone_of,
    const monitoring::v1::GetAnalyticsRequest& request, absl::Time now);

}  // namespace datamesh::monitoring::analytics
