// `promtool check rules` on an admin rule, where Debian's promtool is on the machine: the rule
// is written as a one-rule Prometheus rule file (admin_rule.h's ToYaml form, for the kinds PromQL
// expresses) and promtool must accept it, so a rule stored here also loads into a user's own
// Prometheus. Anomaly and forecast rules are not Prometheus rules and are not checked.
//
// Thread-safe: each call uses its own temporary file and child process.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "datamesh/monitoring/v1/monitoring.pb.h"

namespace datamesh::monitoring::admin_rules {

// The path of `promtool` found on PATH, or "" when there is none.
std::string FindPromtool();

// OK when `promtool` is empty (not installed), the rule is an anomaly or forecast rule, or
// promtool accepts it; INVALID_ARGUMENT with promtool's output when it refuses it; INTERNAL when
// it cannot be run.
absl::Status PromtoolCheck(const std::string& promtool, const v1::AlertRule& normalized);

}  // namespace datamesh::monitoring::admin_rules
