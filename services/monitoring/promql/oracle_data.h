// The data set of the Prometheus oracle test: a deterministic hour of samples as OpenMetrics
// text, which promtool turns into a TSDB block and our exposition parser reads for the engine.
//
// What it holds (about 45 series, every 15 s with a few ms of jitter):
//   http_requests_total{job,instance,method,code}  counters, two of them reset mid-way
//   node_memory_bytes{instance}                    gauges drifting with noise
//   node_swap_bytes{instance="i1"}                 a gauge whose labels collide without names
//   temperature_celsius{room}                      gauges crossing zero
//   request_duration_seconds_{bucket,sum,count}    a classic histogram per instance
//   up{job,instance}                               1, except i3 that is absent for 10 minutes
//   queue_depth{queue}                             a gauge with a 10-minute gap (staleness)
//   machine_info{instance,room}                    an info-style series for group_left
//   labeled_events_total{path}                     label values with quotes, backslashes, UTF-8
#pragma once

#include <cstdint>
#include <string>

namespace datamesh::monitoring::promql::oracle {

inline constexpr int64_t kStartMs = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
inline constexpr int64_t kEndMs = kStartMs + 3'600'000;
inline constexpr int64_t kGapStartMs = kStartMs + 1'200'000;  // the gaps: 20 to 30 minutes in
inline constexpr int64_t kGapEndMs = kStartMs + 1'800'000;

// The whole OpenMetrics body, ending with "# EOF\n". Timestamps are written as seconds with
// three decimals chosen so that Prometheus' parser (which truncates seconds * 1000) and ours
// (which rounds) read the same millisecond.
std::string GenerateOpenMetrics();

}  // namespace datamesh::monitoring::promql::oracle
