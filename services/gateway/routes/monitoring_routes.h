// The /api/v1/monitoring routes of docs/API.md over MonitoringService, for callers with role
// "admin" (others get 403; API keys work as bearer tokens):
//
//   GET  /monitoring/metrics            the snapshot (`prefix`, `label=name:value`...), or with
//                                       `name` one metric's series (`from`, `to`, `step`,
//                                       `aggregation`, `groupBy`, `label`...)
//   POST /monitoring/import             Prometheus text or OpenMetrics body -> ImportSamples
//   GET|POST /monitoring/prometheus/api/v1/{query,query_range,series,labels}
//   GET  /monitoring/prometheus/api/v1/label/{name}/values
//   GET  /monitoring/prometheus/api/v1/{rules,alerts}
//                                       the Prometheus HTTP API (the URL to give a Grafana
//                                       Prometheus data source is .../monitoring/prometheus):
//                                       answers {"status":"success","data":...} and errors
//                                       {"status":"error","errorType","error"} as Prometheus
//                                       writes them (400 bad_data, 422 execution, 503 ...)
//   GET  /monitoring/alerts             ListAlerts (`state`: pending, firing or resolved)
//   GET  /monitoring/rules              ListRuleGroups: the rule groups, rules and alerts
//   GET  /monitoring/health             GetHealth: status, score, checks, services, nodes
//   GET  /monitoring/analytics          GetAnalytics (`window` such as 7d, `zone`, `section`,
//                                       `format=json|csv`): JSON, or the CSV as a download
//                                       (text/csv, Content-Disposition: attachment)
//
// Thread safety: handlers run concurrently; the client is thread-safe.
#pragma once

#include <memory>
#include <string>
#include <type_traits>

#include "datamesh/monitoring/v1/monitoring.grpc.pb.h"
#include "services/gateway/http/router.h"
#include "services/gateway/routes/api_context.h"

namespace datamesh::gateway {

// The channel and stub to the monitoring service. Query answers can be large: it accepts
// messages up to 64 MiB. Connects lazily; creating it never fails.
class MonitoringClient {
 public:
  explicit MonitoringClient(const std::string& address);
  monitoring::v1::MonitoringService::StubInterface& stub() { return *stub_; }

 private:
  std::unique_ptr<monitoring::v1::MonitoringService::StubInterface> stub_;
};

// An admin-only route (others get 403) that calls `handler` with what it takes of
// (ctx, client[, caller], request[, body], writer): handler(ctx, client, r, w),
// handler(ctx, client, r, body, w) or handler(ctx, client, caller, r, body, w).
template <typename Handler>
http::Handler MonitoringAdminRoute(const ApiContext& ctx, MonitoringClient& client,
                                   Handler handler) {
  return Authed(
      ctx,
      [&ctx, &client, handler](const Caller& caller, const http::Request& r, http::BodyReader& b,
                               http::ResponseWriter& w) {
        if constexpr (std::is_invocable_v<Handler, const ApiContext&, MonitoringClient&,
                                          const http::Request&, http::ResponseWriter&>) {
          handler(ctx, client, r, w);
        } else if constexpr (std::is_invocable_v<Handler, const ApiContext&, MonitoringClient&,
                                                 const http::Request&, http::BodyReader&,
                                                 http::ResponseWriter&>) {
          handler(ctx, client, r, b, w);
        } else {
          handler(ctx, client, caller, r, b, w);
        }
      },
      Access::kAdmin);
}

// `ctx` and `client` must outlive the router.
void AddMonitoringRoutes(http::Router& router, const ApiContext& ctx, MonitoringClient& client);

// Silences and acknowledgements (alert_notify_routes.cc), added by AddMonitoringRoutes:
//   GET|POST /monitoring/silences       ListSilences / CreateSilence (201, the silence)
//   DELETE   /monitoring/silences/{id}  ExpireSilence (204)
//   POST     /monitoring/alerts/{id}/ack AcknowledgeAlert (id or fingerprint; {"comment"})
void AddAlertNotifyRoutes(http::Router& router, const ApiContext& ctx, MonitoringClient& client);

// Admin-managed alert rules (alert_rule_routes.cc), added by AddMonitoringRoutes:
//   GET|POST /monitoring/alert-rules        ListAlertRules (shipped ones read-only) /
//                                           CreateAlertRule (201; JSON, or the YAML with
//                                           Content-Type application/yaml)
//   GET|PUT|DELETE /monitoring/alert-rules/{id}  GetAlertRule / UpdateAlertRule / DeleteAlertRule
//                                           (204)
void AddAlertRuleRoutes(http::Router& router, const ApiContext& ctx, MonitoringClient& client);

}  // namespace datamesh::gateway
