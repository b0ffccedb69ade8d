// The alerts and rules as the API shows them: GET /monitoring/alerts and /monitoring/rules
// (ListAlerts, ListRuleGroups) and Prometheus' /api/v1/alerts and /api/v1/rules (the JSON of
// Prometheus 2.42, which Grafana reads). Built from RuleEvaluator::Snapshot(). Pure functions,
// thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datamesh/monitoring/v1/monitoring.pb.h"
#include "services/monitoring/alerts/rule_evaluator.h"

namespace datamesh::monitoring {

// ListAlerts: `state` is "", "pending", "firing" or "resolved" (INVALID_ARGUMENT otherwise).
// Newest first (by the time the condition began).
absl::StatusOr<v1::ListAlertsResponse> AlertsResponse(
    const std::vector<alerts::GroupSnapshot>& groups, std::string_view state);

v1::ListRuleGroupsResponse RuleGroupsResponse(const std::vector<alerts::GroupSnapshot>& groups);

// The `data` of /api/v1/rules; `type` is "", "alert" or "record" (INVALID_ARGUMENT otherwise,
// with Prometheus' wording).
absl::StatusOr<std::string> PrometheusRulesData(const std::vector<alerts::GroupSnapshot>& groups,
                                                std::string_view type);

// The `data` of /api/v1/alerts: the pending and firing alerts.
std::string PrometheusAlertsData(const std::vector<alerts::GroupSnapshot>& groups);

// One alert as ListAlerts and the events carry it: severity from the `severity` label, message
// from the `summary` annotation (else `description`).
void AlertToProto(const std::string& group, const alerts::Alert& a, v1::Alert* out);

}  // namespace datamesh::monitoring
