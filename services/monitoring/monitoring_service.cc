#include "services/monitoring/monitoring_service.h"

#include "services/monitoring/metrics_query.h"
#include "services/monitoring/monitoring_converter.h"
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

}  // namespace

MonitoringServiceImpl::MonitoringServiceImpl(store::SampleStore& store,
                                             std::function<absl::Time()> clock)
    : store_(store), clock_(std::move(clock)), prometheus_(store) {}

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

}  // namespace datamesh::monitoring
