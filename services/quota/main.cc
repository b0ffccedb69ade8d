// The quota service binary: wiring only; the service lives in quota_lib.
#include "quota_migrations.h"
#include "services/quota/quota_parts.h"
#include "shared/server/service_main.h"

int main(int argc, char** argv) {
  datamesh::quota::QuotaFlags flags;
  datamesh::server::ServiceDefinition d;
  d.name = "quota";
  d.default_grpc_addr = "0.0.0.0:7002";
  d.default_metrics_addr = "0.0.0.0:9102";
  d.needs_pg = true;
  d.pg_schema = "quota";
  d.migrations = quota_migrations;
  d.needs_redis = true;
  d.add_flags = [&](datamesh::config::FlagSet& f) { datamesh::quota::RegisterFlags(f, flags); };
  d.build = [&](datamesh::server::Runtime& rt) { return datamesh::quota::Build(rt, flags); };
  return datamesh::server::RunService(d, argc, argv);
}
