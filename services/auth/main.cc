// The auth service binary: wiring only; the service lives in auth_lib.
#include "auth_migrations.h"
#include "services/auth/auth_core.h"
#include "shared/server/service_main.h"

int main(int argc, char** argv) {
  datamesh::auth::AuthOptions options;
  datamesh::server::ServiceDefinition d;
  d.name = "auth";
  d.default_grpc_addr = "0.0.0.0:7001";
  d.default_metrics_addr = "0.0.0.0:9101";
  d.needs_pg = true;
  d.pg_schema = "auth";
  d.migrations = auth_migrations;
  d.needs_redis = true;
  d.add_flags = [&](datamesh::config::FlagSet& f) { RegisterFlags(f, options); };
  d.build = [&](datamesh::server::Runtime& rt) { return datamesh::auth::Build(rt, options); };
  return datamesh::server::RunService(d, argc, argv);
}
