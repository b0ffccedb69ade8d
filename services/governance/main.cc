// The governance service binary: wiring only; the service lives in governance_lib.
#include "governance_migrations.h"
#include "services/governance/governance_service.h"
#include "shared/server/service_main.h"

int main(int argc, char** argv) {
  datamesh::server::ServiceDefinition d;
  d.name = "governance";
  d.default_grpc_addr = "0.0.0.0:7007";
  d.default_metrics_addr = "0.0.0.0:9107";
  d.needs_pg = true;
  d.pg_schema = "governance";
  d.migrations = governance_migrations;
  d.build = datamesh::server::BuildSingleGrpcService<datamesh::governance::GovernanceServiceImpl>;
  return datamesh::server::RunService(d, argc, argv);
}
