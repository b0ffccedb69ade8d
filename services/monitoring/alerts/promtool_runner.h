// Runs a rule unit-test file in promtool's format (`promtool test rules FILE`) through our own
// evaluator, so the shipped rules are checked by both:
//
//   rule_files: [../default_rules.yml]        # relative to the test file
//   evaluation_interval: 1m                   # default 1m
//   tests:
//     - interval: 1m                          # input spacing; default evaluation_interval
//       input_series:
//         - series: 'up{service="auth", instance="a"}'
//           values: '1 1 0x10 _ stale 1+1x3'  # a+bxN: N+1 values; _xN: N missing; stale
//       alert_rule_test:
//         - eval_time: 5m
//           alertname: DataMeshServiceDown
//           exp_alerts:                       # the alerts FIRING at eval_time
//             - exp_labels: {severity: critical, service: auth}
//               exp_annotations: {summary: "..."}
//       promql_expr_test:
//         - expr: service:up:sum
//           eval_time: 2m
//           exp_samples: [{labels: 'service:up:sum{service="auth"}', value: 1}]
//
// As promtool does: samples at 0, interval, 2·interval ...; every group evaluated at 0,
// evaluation_interval, ... up to the largest eval_time; an alert test compares the firing
// alerts of the evaluation at or just before its eval_time (labels with alertname added, and
// annotations), a PromQL test queries the data and recorded series at its eval_time. Values
// compare exactly.
//
// Thread-compatible; reads the files named.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace datamesh::monitoring::alerts {

struct PromtoolReport {
  int tests = 0;
  // One message per failed expectation, naming the test, the time and what differed.
  std::vector<std::string> failures;
  // What the file tests, for the lint that every shipped rule has a test.
  std::set<std::string> alerts_tested;
  std::vector<std::string> exprs_tested;
  std::vector<std::string> rule_files;  // as resolved
};

// NOT_FOUND when the file or a rule file cannot be read; INVALID_ARGUMENT when one does not
// parse (the failures of a file that parses are in the report).
absl::StatusOr<PromtoolReport> RunPromtoolTestFile(const std::string& path);

}  // namespace datamesh::monitoring::alerts
