// The gateway binary: wiring only; the gateway lives in gateway_lib.
#include "services/gateway/gateway_service.h"
#include "shared/server/service_main.h"

int main(int argc, char** argv) {
  datamesh::gateway::GatewayOptions options;
  datamesh::server::ServiceDefinition d;
  d.name = "gateway";
  d.default_grpc_addr = "0.0.0.0:9090";
  d.default_metrics_addr = "0.0.0.0:9108";
  d.add_flags = [&](datamesh::config::FlagSet& f) { RegisterFlags(f, options); };
  d.build = [&](datamesh::server::Runtime& rt) { return datamesh::gateway::Build(rt, options); };
  return datamesh::server::RunService(d, argc, argv);
}
