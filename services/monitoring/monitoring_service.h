// The gRPC adapter of the monitoring service: MonitoringService over the series store —
// GetMetrics and QuerySeries (metrics_query.h), QueryPrometheus (prometheus_api.h; its rules
// and alerts endpoints from alerts_api.h) and ImportSamples (sample_import.h) — and over the
// rule evaluator: ListAlerts and ListRuleGroups (alerts_api.h); and GetHealth
// (health/health_report.h) over the scrape targets, the storage nodes and the firing alerts.
//
// GetAnalytics builds the analytics report (analytics/report_builder.h) over the store.
//
// The rule CRUD RPCs (CreateAlertRule, GetAlertRule, ListAlertRules, UpdateAlertRule,
// DeleteAlertRule) are admin_rules/admin_rules_service.h's; UNAVAILABLE until SetAdminRules.
//
// Thread-safe: gRPC calls handlers concurrently; the store allows it.
#pragma once

#include <functional>

#include "absl/time/time.h"
#include "datamesh/monitoring/v1/monitoring.grpc.pb.h"
#include "services/monitoring/admin_rules/admin_rules_service.h"
#include "services/monitoring/alerts/rule_evaluator.h"
#include "services/monitoring/analytics/instance_zones.h"
#include "services/monitoring/health/node_directory.h"
#include "services/monitoring/notify/notifier.h"
#include "services/monitoring/prometheus_api.h"
#include "services/monitoring/scrape/target_directory.h"
#include "services/monitoring/store/sample_store.h"

namespace datamesh::monitoring {

class MonitoringServiceImpl final : public v1::MonitoringService::Service {
 public:
  // What GetHealth reads besides the store and the rules.
  struct HealthSources {
    const scrape::TargetDirectory* targets = nullptr;
    health::NodeDirectory* nodes = nullptr;
    // The zones of chunk-store instances, for GetAnalytics' capacity forecasts.
    const analytics::InstanceZones* zones = nullptr;
  };

  // `store`, `rules` and the health sources must outlive the service; `clock` gives "now" (the
  // default time of queries).
  MonitoringServiceImpl(store::SampleStore& store, const alerts::RuleEvaluator& rules,
                        HealthSources health, std::function<absl::Time()> clock);

  grpc::Status GetMetrics(grpc::ServerContext* context, const v1::GetMetricsRequest* request,
                          v1::GetMetricsResponse* response) override;
  grpc::Status QuerySeries(grpc::ServerContext* context, const v1::QuerySeriesRequest* request,
                           v1::QuerySeriesResponse* response) override;
  grpc::Status QueryPrometheus(grpc::ServerContext* context,
                               const v1::QueryPrometheusRequest* request,
                               v1::QueryPrometheusResponse* response) override;
  grpc::Status ImportSamples(grpc::ServerContext* context, const v1::ImportSamplesRequest* request,
                             v1::ImportSamplesResponse* response) override;
  grpc::Status ListAlerts(grpc::ServerContext* context, const v1::ListAlertsRequest* request,
                          v1::ListAlertsResponse* response) override;
  grpc::Status GetHealth(grpc::ServerContext* context, const v1::GetHealthRequest* request,
                         v1::GetHealthResponse* response) override;
  grpc::Status ListRuleGroups(grpc::ServerContext* context,
                              const v1::ListRuleGroupsRequest* request,
                              v1::ListRuleGroupsResponse* response) override;
  grpc::Status GetAnalytics(grpc::ServerContext* context, const v1::GetAnalyticsRequest* request,
                            v1::GetAnalyticsResponse* response) override;
  // Silences and acknowledgements (notify_rpc.h); UNAVAILABLE until SetNotifier.
  grpc::Status CreateSilence(grpc::ServerContext* context, const v1::CreateSilenceRequest* request,
                             v1::CreateSilenceResponse* response) override;
  grpc::Status ListSilences(grpc::ServerContext* context, const v1::ListSilencesRequest* request,
                            v1::ListSilencesResponse* response) override;
  grpc::Status ExpireSilence(grpc::ServerContext* context, const v1::ExpireSilenceRequest* request,
                             v1::ExpireSilenceResponse* response) override;
  grpc::Status AcknowledgeAlert(grpc::ServerContext* context,
                                const v1::AcknowledgeAlertRequest* request,
                                v1::AcknowledgeAlertResponse* response) override;

  grpc::Status CreateAlertRule(grpc::ServerContext* context,
                               const v1::CreateAlertRuleRequest* request,
                               v1::CreateAlertRuleResponse* response) override;
  grpc::Status GetAlertRule(grpc::ServerContext* context, const v1::GetAlertRuleRequest* request,
                            v1::GetAlertRuleResponse* response) override;
  grpc::Status ListAlertRules(grpc::ServerContext* context,
                              const v1::ListAlertRulesRequest* request,
                              v1::ListAlertRulesResponse* response) override;
  grpc::Status UpdateAlertRule(grpc::ServerContext* context,
                               const v1::UpdateAlertRuleRequest* request,
                               v1::UpdateAlertRuleResponse* response) override;
  grpc::Status DeleteAlertRule(grpc::ServerContext* context,
                               const v1::DeleteAlertRuleRequest* request,
                               v1::DeleteAlertRuleResponse* response) override;

  // The notification pipeline the silence and ack RPCs use; set once by the wiring before the
  // server starts, and outliving the service.
  void SetNotifier(notify::Notifier* notifier) { notifier_ = notifier; }
  // The admin rules the rule CRUD RPCs edit; set once before the server starts, outliving it.
  void SetAdminRules(admin_rules::AdminRules* rules) { admin_rules_ = rules; }

 private:
  store::SampleStore& store_;
  const alerts::RuleEvaluator& rules_;
  const HealthSources health_;
  const std::function<absl::Time()> clock_;
  notify::Notifier* notifier_ = nullptr;
  admin_rules::AdminRules* admin_rules_ = nullptr;
  const PrometheusApi prometheus_;
};

}  // namespace datamesh::monitoring
