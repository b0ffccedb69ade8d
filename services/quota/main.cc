// The quota service binary: wiring only; the service lives in quota_lib.
#include "quota_migrations.h"
#include "services/quota/quota_service.h"
#include "shared/server/service_main.h"

int main(int argc, char** argv) {
  datamesh::server::ServiceDefinition d;
  d.name = "quota";
  d.default_grpc_addr = "0.0.0.0:7002";
  d.default_metrics_addr = "0.0.0.0:9102";
  d.needs_pg = true;
  d.pg_schema = "quota";
  d.migrations = quota_migrations;
  d.needs_redis = true;
  d.build = datamesh::server::BuildSingleGrpcService<datamesh::quota::QuotaServiceImpl>;
  return datamesh::server::RunService(d, argc, argv);
}
