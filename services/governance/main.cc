// The governance service binary: wiring only; the service lives in governance_lib.
#include "governance_migrations.h"
#include "services/governance/governance_parts.h"
#include "shared/server/service_main.h"

int main(int argc, char** argv) {
  datamesh::governance::GovernanceFlags flags;
  datamesh::server::ServiceDefinition d;
  d.name = "governance";
  d.default_grpc_addr = "0.0.0.0:7007";
  d.default_metrics_addr = "0.0.0.0:9107";
  d.needs_pg = true;
  d.pg_schema = "governance";
  d.migrations = governance_migrations;
  d.add_flags = [&](datamesh::config::FlagSet& f) {
    datamesh::governance::RegisterFlags(f, flags);
  };
  d.build = [&](datamesh::server::Runtime& rt) { return datamesh::governance::Build(rt, flags); };
  return datamesh::server::RunService(d, argc, argv);
}
