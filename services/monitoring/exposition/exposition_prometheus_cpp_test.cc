// The parser against what our binaries really serve on /metrics: prometheus-cpp's text
// serializer over the registry the bootstrap fills (per-RPC counters and latency histograms
// from the gRPC interceptor, datamesh_dependency_up from readiness), after real calls.
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "prometheus/summary.h"
#include "prometheus/text_serializer.h"
#include "services/monitoring/exposition/exposition_parser.h"
#include "shared/server/health_client.h"
#include "shared/server/readiness.h"
#include "shared/server/rpc_metrics.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::exposition {
namespace {

const Sample* Find(const Exposition& e, std::string_view name, const Labels& must_have) {
  for (const Sample& s : e.samples) {
    if (s.name != name) continue;
    const bool all = std::all_of(must_have.begin(), must_have.end(), [&](const Label& l) {
      return std::find(s.labels.begin(), s.labels.end(), l) != s.labels.end();
    });
    if (all) return &s;
  }
  return nullptr;
}

TEST(ExpositionOfOurBinaries, ParsesWhatPrometheusCppServes) {
  auto registry = std::make_shared<prometheus::Registry>();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(server::MakeRpcMetricsInterceptor(*registry, "monitoring"));
  builder.experimental().SetInterceptorCreators(std::move(factories));
  std::unique_ptr<grpc::Server> grpc_server = builder.BuildAndStart();
  ASSERT_NE(grpc_server, nullptr);
  const server::HealthClient health(grpc_server->InProcessChannel(grpc::ChannelArguments()));
  ASSERT_OK(health.Check("", absl::Seconds(10)));
  ASSERT_OK(health.Check("", absl::Seconds(10)));
  EXPECT_FALSE(health.Check("no.such.Service", absl::Seconds(10)).ok());

  server::Readiness readiness(*registry, "monitoring");
  readiness.Add("postgres", [] { return absl::OkStatus(); });
  readiness.Add("nats \"primary\"", [] { return absl::UnavailableError("down"); });
  readiness.Evaluate();
  // Our binaries have no summaries; prometheus-cpp writes them too, so they are read here.
  auto& summaries =
      prometheus::BuildSummary().Name("gc_pause_seconds").Help("GC").Register(*registry);
  summaries.Add({}, prometheus::Summary::Quantiles{{0.5, 0.05}, {0.99, 0.001}}).Observe(0.25);

  const std::string body = prometheus::TextSerializer().Serialize(registry->Collect());
  absl::StatusOr<Exposition> parsed = ParseExposition(body, Format::kPrometheusText);
  ASSERT_OK(parsed) << body;

  const Sample* handled = Find(*parsed, "datamesh_grpc_server_handled_total",
                               {{"code", "OK"}, {"method", "/grpc.health.v1.Health/Check"}});
  ASSERT_NE(handled, nullptr) << body;
  EXPECT_EQ(handled->value, 2);
  EXPECT_NE(Find(*parsed, "datamesh_grpc_server_errors_total", {{"code", "NOT_FOUND"}}), nullptr);
  const Sample* inf_bucket =
      Find(*parsed, "datamesh_grpc_server_handling_seconds_bucket", {{"le", "+Inf"}});
  ASSERT_NE(inf_bucket, nullptr) << body;
  EXPECT_EQ(inf_bucket->value, 3);
  const Sample* count = Find(*parsed, "datamesh_grpc_server_handling_seconds_count", {});
  ASSERT_NE(count, nullptr);
  EXPECT_EQ(count->value, 3);
  const Sample* nats_up =
      Find(*parsed, "datamesh_dependency_up", {{"dependency", "nats \"primary\""}});
  ASSERT_NE(nats_up, nullptr) << body;
  EXPECT_EQ(nats_up->value, 0);
  EXPECT_EQ(Find(*parsed, "datamesh_dependency_up", {{"dependency", "postgres"}})->value, 1);
  EXPECT_EQ(Find(*parsed, "gc_pause_seconds", {{"quantile", "0.99"}})->value, 0.25);

  auto type_of = [&](std::string_view family) {
    for (const Metadata& m : parsed->metadata) {
      if (m.family == family) return m.type;
    }
    return MetricType::kUnknown;
  };
  EXPECT_EQ(type_of("datamesh_grpc_server_handling_seconds"), MetricType::kHistogram);
  EXPECT_EQ(type_of("datamesh_grpc_server_handled_total"), MetricType::kCounter);
  EXPECT_EQ(type_of("datamesh_dependency_up"), MetricType::kGauge);
  EXPECT_EQ(type_of("gc_pause_seconds"), MetricType::kSummary);
  grpc_server->Shutdown();
}

}  // namespace
}  // namespace datamesh::monitoring::exposition
