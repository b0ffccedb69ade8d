// Per-RPC Prometheus metrics for every gRPC server, recorded by a server interceptor so no
// handler has to remember them:
//   datamesh_grpc_server_handled_total{service,method,code}   calls finished, by status code
//   datamesh_grpc_server_errors_total{service,method,code}    calls finished with a non-OK code
//   datamesh_grpc_server_handling_seconds{service,method}     latency histogram
// `service` is the DataMesh service (binary) name; `method` the full gRPC method path.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>

#include "prometheus/registry.h"

namespace datamesh::server {

// Creates the interceptor factory to hand to ServerBuilder::experimental().
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeRpcMetricsInterceptor(
    prometheus::Registry& registry, const std::string& service_name);

}  // namespace datamesh::server
