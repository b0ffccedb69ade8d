// The monitoring service binary: wiring only; the service lives in monitoring_lib.
#include "monitoring_migrations.h"
#include "services/monitoring/monitoring_server.h"
#include "shared/server/service_main.h"

int main(int argc, char** argv) {
  datamesh::monitoring::MonitoringOptions options;
  datamesh::server::ServiceDefinition d;
  d.name = "monitoring";
  d.default_grpc_addr = "0.0.0.0:7006";
  d.default_metrics_addr = "0.0.0.0:9106";
  d.needs_pg = true;
  d.pg_schema = "monitoring";
  d.migrations = monitoring_migrations;
  d.add_flags = [&](datamesh::config::FlagSet& f) {
    datamesh::monitoring::RegisterFlags(f, options);
  };
  d.build = [&](datamesh::server::Runtime& rt) { return datamesh::monitoring::Build(rt, options); };
  return datamesh::server::RunService(d, argc, argv);
}
