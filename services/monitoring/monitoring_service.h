// The gRPC adapter of the monitoring service: MonitoringService over the series store —
// GetMetrics and QuerySeries (metrics_query.h), QueryPrometheus (prometheus_api.h) and
// ImportSamples (sample_import.h).
//
// RPCs that are not built yet (health, alerts, rules, analytics) are not overridden: the
// generated base class answers them with UNIMPLEMENTED, so no caller is ever told a made-up
// success.
//
// Thread-safe: gRPC calls handlers concurrently; the store allows it.
#pragma once

#include <functional>

#include "absl/time/time.h"
#include "datamesh/monitoring/v1/monitoring.grpc.pb.h"
#include "services/monitoring/prometheus_api.h"
#include "services/monitoring/store/sample_store.h"

namespace datamesh::monitoring {

class MonitoringServiceImpl final : public v1::MonitoringService::Service {
 public:
  // `store` must outlive the service; `clock` gives "now" (the default time of queries).
  MonitoringServiceImpl(store::SampleStore& store, std::function<absl::Time()> clock);

  grpc::Status GetMetrics(grpc::ServerContext* context, const v1::GetMetricsRequest* request,
                          v1::GetMetricsResponse* response) override;
  grpc::Status QuerySeries(grpc::ServerContext* context, const v1::QuerySeriesRequest* request,
                           v1::QuerySeriesResponse* response) override;
  grpc::Status QueryPrometheus(grpc::ServerContext* context,
                               const v1::QueryPrometheusRequest* request,
                               v1::QueryPrometheusResponse* response) override;
  grpc::Status ImportSamples(grpc::ServerContext* context, const v1::ImportSamplesRequest* request,
                             v1::ImportSamplesResponse* response) override;

 private:
  store::SampleStore& store_;
  const std::function<absl::Time()> clock_;
  const PrometheusApi prometheus_;
};

}  // namespace datamesh::monitoring
