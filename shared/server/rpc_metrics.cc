#include "shared/server/rpc_metrics.h"

#include <chrono>

#include "prometheus/counter.h"
#include "prometheus/histogram.h"

namespace datamesh::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

struct RpcMetricFamilies {
  prometheus::Family<prometheus::Counter>& handled;
  prometheus::Family<prometheus::Counter>& errors;
  prometheus::Family<prometheus::Histogram>& latency;
  std::string service;
};

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK: return "OK";
    case grpc::CANCELLED: return "CANCELLED";
    case grpc::UNKNOWN: return "UNKNOWN";
    case grpc::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::NOT_FOUND: return "NOT_FOUND";
    case grpc::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::ABORTED: return "ABORTED";
    case grpc::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::INTERNAL: return "INTERNAL";
    case grpc::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::DATA_LOSS: return "DATA_LOSS";
    case grpc::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

class RpcMetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  RpcMetricsInterceptor(const RpcMetricFamilies& families, std::string method)
      : families_(families), method_(std::move(method)), start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Record(grpc::StatusCode code) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const char* code_name = CodeName(code);
    families_.handled
        .Add({{"service", families_.service}, {"method", method_}, {"code", code_name}})
        .Increment();
    if (code != grpc::OK) {
      families_.errors
          .Add({{"service", families_.service}, {"method", method_}, {"code", code_name}})
          .Increment();
    }
    static const prometheus::Histogram::BucketBoundaries kBuckets = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    families_.latency.Add({{"service", families_.service}, {"method", method_}}, kBuckets)
        .Observe(seconds);
  }

  const RpcMetricFamilies& families_;
  const std::string method_;
  const std::chrono::steady_clock::time_point start_;
};

class RpcMetricsFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  RpcMetricsFactory(prometheus::Registry& registry, const std::string& service)
      : families_{prometheus::BuildCounter()
                      .Name("datamesh_grpc_server_handled_total")
                      .Help("gRPC calls finished, by method and status code")
                      .Register(registry),
                  prometheus::BuildCounter()
                      .Name("datamesh_grpc_server_errors_total")
                      .Help("gRPC calls finished with a non-OK status, by method and code")
                      .Register(registry),
                  prometheus::BuildHistogram()
                      .Name("datamesh_grpc_server_handling_seconds")
                      .Help("gRPC call latency from start to status, by method")
                      .Register(registry),
                  service} {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcMetricsInterceptor(families_, info->method());
  }

 private:
  RpcMetricFamilies families_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeRpcMetricsInterceptor(
    prometheus::Registry& registry, const std::string& service_name) {
  return std::make_unique<RpcMetricsFactory>(registry, service_name);
}

}  // namespace datamesh::server
