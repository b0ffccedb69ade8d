#include "services/monitoring/monitoring_service.h"

#include <set>

#include "services/monitoring/alerts_api.h"
#include "services/monitoring/analytics/report_proto.h"
#include "services/monitoring/health/durability_margin.h"
#include "services/monitoring/health/health_report.h"
#include "services/monitoring/metrics_query.h"
#include "services/monitoring/monitoring_converter.h"
#include "services/monitoring/notify_rpc.h"
#include "services/monitoring/sample_import.h"
#include "shared/log/log.h"
#include "shared/status/grpc_status.h"

namespace datamesh::monitoring {
namespace {

// Store failures (a broken PostgreSQL) are logged here; clients get the sanitised status.
grpc::Status Answer(const absl::Status& status, const char* rpc) {
  if (!status.ok() && (status.code() == absl::StatusCode::kInternal ||
                       status.code() == absl::StatusCode::kUnknown ||
                       status.code() == absl::StatusCode::kDataLoss)) {
    log::Warn("monitoring call failed", {{"rpc", rpc}, {"error", std::string(status.message())}});
  }
  return ToGrpcStatus(SanitizeForClient(status));
}

// The first value of parameter `name`, or "".
std::string FirstParam(const ApiParams& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return "";
}

}  // namespace

MonitoringServiceImpl::MonitoringServiceImpl(store::SampleStore& store,
                                             const alerts::RuleEvaluator& rules,
                                             HealthSources health,
                                             std::function<absl::Time()> clock)
    : store_(store), rules_(rules), health_(health), clock_(std::move(clock)), prometheus_(store) {}

grpc::Status MonitoringServiceImpl::GetMetrics(grpc::ServerContext*,
                                               const v1::GetMetricsRequest* request,
                                               v1::GetMetricsResponse* response) {
  const std::map<std::string, std::string> labels(request->labels().begin(),
                                                  request->labels().end());
  absl::StatusOr<promql::Vector> latest =
      LatestValues(store_, request->name_prefix(), labels, clock_());
  if (latest.ok()) ToProto(*latest, response);
  return Answer(latest.status(), "GetMetrics");
}

grpc::Status MonitoringServiceImpl::QuerySeries(grpc::ServerContext*,
                                                const v1::QuerySeriesRequest* request,
                                                v1::QuerySeriesResponse* response) {
  absl::StatusOr<StepQuery> query = FromProto(*request, clock_());
  if (!query.ok()) return Answer(query.status(), "QuerySeries");
  absl::StatusOr<promql::Matrix> series = QuerySteps(store_, *query);
  if (series.ok()) ToProto(*series, response);
  return Answer(series.status(), "QuerySeries");
}

grpc::Status MonitoringServiceImpl::QueryPrometheus(grpc::ServerContext*,
                                                    const v1::QueryPrometheusRequest* request,
                                                    v1::QueryPrometheusResponse* response) {
  const ApiParams params = FromProto(*request);
  absl::StatusOr<std::string> data;
  switch (request->endpoint()) {
    case v1::PROMETHEUS_ENDPOINT_QUERY: data = prometheus_.Query(params, clock_()); break;
    case v1::PROMETHEUS_ENDPOINT_QUERY_RANGE: data = prometheus_.QueryRange(params); break;
    case v1::PROMETHEUS_ENDPOINT_SERIES: data = prometheus_.Series(params); break;
    case v1::PROMETHEUS_ENDPOINT_LABELS: data = prometheus_.LabelNames(params); break;
    case v1::PROMETHEUS_ENDPOINT_LABEL_VALUES:
      data = prometheus_.LabelValues(request->label_name(), params);
      break;
    case v1::PROMETHEUS_ENDPOINT_RULES:
      data = PrometheusRulesData(rules_.Snapshot(), FirstParam(params, "type"));
      break;
    case v1::PROMETHEUS_ENDPOINT_ALERTS: data = PrometheusAlertsData(rules_.Snapshot()); break;
    default: data = absl::InvalidArgumentError("unknown Prometheus API endpoint");
  }
  if (data.ok()) response->set_data_json(*std::move(data));
  return Answer(data.status(), "QueryPrometheus");
}

grpc::Status MonitoringServiceImpl::ImportSamples(grpc::ServerContext*,
                                                  const v1::ImportSamplesRequest* request,
                                                  v1::ImportSamplesResponse* response) {
  absl::StatusOr<ImportResult> result =
      monitoring::ImportSamples(store_, request->text(), request->content_type(), clock_());
  if (result.ok()) {
    response->set_samples_stored(result->stored);
    response->set_samples_refused(result->refused);
    response->set_series(result->series);
  }
  return Answer(result.status(), "ImportSamples");
}

grpc::Status MonitoringServiceImpl::ListAlerts(grpc::ServerContext*,
                                               const v1::ListAlertsRequest* request,
                                               v1::ListAlertsResponse* response) {
  const std::vector<alerts::GroupSnapshot> groups = rules_.Snapshot();
  absl::StatusOr<v1::ListAlertsResponse> r = AlertsResponse(groups, request->state());
  if (r.ok()) *response = *std::move(r);
  if (r.ok() && notifier_ != nullptr) AddAlertNotes(*notifier_, groups, response);
  return Answer(r.status(), "ListAlerts");
}

grpc::Status MonitoringServiceImpl::GetHealth(grpc::ServerContext*, const v1::GetHealthRequest*,
                                              v1::GetHealthResponse* response) {
  const absl::Time now = clock_();
  // Each known instance is healthy when its last scrape answered (`up` is 1).
  absl::StatusOr<promql::QueryResult> up =
      promql::Engine(store_).InstantQuery("up", absl::ToUnixMillis(now));
  if (!up.ok()) return Answer(up.status(), "GetHealth");
  // An instance without any `up` sample has not been scraped yet: unknown, not down.
  std::set<std::pair<std::string, std::string>> answering, scraped;
  for (const promql::VectorSample& s : up->vector) {
    std::pair<std::string, std::string> key{std::string(promql::GetLabel(s.labels, "service")),
                                            std::string(promql::GetLabel(s.labels, "instance"))};
    if (s.value == 1) answering.insert(key);
    scraped.insert(std::move(key));
  }
  std::vector<health::InstanceState> instances;
  for (const scrape::Target& t : health_.targets->Targets()) {
    instances.push_back({t.service, t.instance_id, answering.contains({t.service, t.instance_id}),
                         scraped.contains({t.service, t.instance_id})});
  }
  // The durability margin file-ingest exports, as last scraped.
  promql::Vector margin[3];
  const char* const margin_queries[3] = {health::kSpareShardsQuery, health::kFilesLostQuery,
                                         health::kMeasuredAtQuery};
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<promql::QueryResult> r =
        promql::Engine(store_).InstantQuery(margin_queries[i], absl::ToUnixMillis(now));
    if (!r.ok()) return Answer(r.status(), "GetHealth");
    margin[i] = std::move(r->vector);
  }
  *response = health::BuildHealth(instances, health_.nodes->Nodes(now), rules_.Snapshot(),
                                  health::DurabilityFromSeries(margin[0], margin[1], margin[2]));
  return grpc::Status::OK;
}

grpc::Status MonitoringServiceImpl::ListRuleGroups(grpc::ServerContext*,
                                                   const v1::ListRuleGroupsRequest*,
                                                   v1::ListRuleGroupsResponse* response) {
  *response = RuleGroupsResponse(rules_.Snapshot());
  return grpc::Status::OK;
}

grpc::Status MonitoringServiceImpl::GetAnalytics(grpc::ServerContext*,
                                                 const v1::GetAnalyticsRequest* request,
                                                 v1::GetAnalyticsResponse* response) {
  const analytics::InstanceZones* zones = health_.zones;
  absl::StatusOr<v1::GetAnalyticsResponse> report = analytics::AnswerAnalytics(
      store_,
      [zones](const std::string& instance) {
        return zones == nullptr ? std::string() : zones->ZoneOf(instance);
      },
      *request, clock_());
  if (report.ok()) *response = *std::move(report);
  return Answer(report.status(), "GetAnalytics");
}

// ---- admin-managed alert rules (admin_rules/) ----

grpc::Status MonitoringServiceImpl::CreateAlertRule(grpc::ServerContext*,
                                                    const v1::CreateAlertRuleRequest* request,
                                                    v1::CreateAlertRuleResponse* response) {
  if (admin_rules_ == nullptr) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "starting");
  absl::StatusOr<v1::AlertRule> r = admin_rules_->Create(*request);
  if (r.ok()) *response->mutable_rule() = *std::move(r);
  return Answer(r.status(), "CreateAlertRule");
}

grpc::Status MonitoringServiceImpl::GetAlertRule(grpc::ServerContext*,
                                                 const v1::GetAlertRuleRequest* request,
                                                 v1::GetAlertRuleResponse* response) {
  if (admin_rules_ == nullptr) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "starting");
  absl::StatusOr<v1::AlertRule> r = admin_rules_->Get(request->rule_id());
  if (r.ok()) *response->mutable_rule() = *std::move(r);
  return Answer(r.status(), "GetAlertRule");
}

grpc::Status MonitoringServiceImpl::ListAlertRules(grpc::ServerContext*,
                                                   const v1::ListAlertRulesRequest*,
                                                   v1::ListAlertRulesResponse* response) {
  if (admin_rules_ == nullptr) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "starting");
  absl::StatusOr<std::vector<v1::AlertRule>> r = admin_rules_->List();
  if (r.ok()) {
    for (v1::AlertRule& rule : *r) *response->add_rules() = std::move(rule);
  }
  return Answer(r.status(), "ListAlertRules");
}

grpc::Status MonitoringServiceImpl::UpdateAlertRule(grpc::ServerContext*,
                                                    const v1::UpdateAlertRuleRequest* request,
                                                    v1::UpdateAlertRuleResponse* response) {
  if (admin_rules_ == nullptr) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "starting");
  absl::StatusOr<v1::AlertRule> r = admin_rules_->Update(*request);
  if (r.ok()) *response->mutable_rule() = *std::move(r);
  return Answer(r.status(), "UpdateAlertRule");
}

grpc::Status MonitoringServiceImpl::DeleteAlertRule(grpc::ServerContext*,
                                                    const v1::DeleteAlertRuleRequest* request,
                                                    v1::DeleteAlertRuleResponse*) {
  if (admin_rules_ == nullptr) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "starting");
  return Answer(admin_rules_->Delete(request->rule_id()), "DeleteAlertRule");
}

// ---- silences and acknowledgements (notify_rpc.h) ----

grpc::Status MonitoringServiceImpl::CreateSilence(grpc::ServerContext*,
                                                  const v1::CreateSilenceRequest* request,
                                                  v1::CreateSilenceResponse* response) {
  if (notifier_ == nullptr) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "starting");
  absl::StatusOr<v1::CreateSilenceResponse> r = CreateSilenceRpc(*notifier_, *request);
  if (r.ok()) *response = *std::move(r);
  return Answer(r.status(), "CreateSilence");
}

grpc::Status MonitoringServiceImpl::ListSilences(grpc::ServerContext*,
                                                 const v1::ListSilencesRequest*,
                                                 v1::ListSilencesResponse* response) {
  if (notifier_ == nullptr) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "starting");
  absl::StatusOr<v1::ListSilencesResponse> r = ListSilencesRpc(*notifier_);
  if (r.ok()) *response = *std::move(r);
  return Answer(r.status(), "ListSilences");
}

grpc::Status MonitoringServiceImpl::ExpireSilence(grpc::ServerContext*,
                                                  const v1::ExpireSilenceRequest* request,
                                                  v1::ExpireSilenceResponse*) {
  if (notifier_ == nullptr) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "starting");
  return Answer(ExpireSilenceRpc(*notifier_, *request), "ExpireSilence");
}

grpc::Status MonitoringServiceImpl::AcknowledgeAlert(grpc::ServerContext*,
                                                     const v1::AcknowledgeAlertRequest* request,
                                                     v1::AcknowledgeAlertResponse* response) {
  if (notifier_ == nullptr) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "starting");
  absl::StatusOr<v1::AcknowledgeAlertResponse> r = AcknowledgeAlertRpc(*notifier_, *request);
  if (r.ok()) *response = *std::move(r);
  return Answer(r.status(), "AcknowledgeAlert");
}

}  // namespace datamesh::monitoring
