// The dht service binary: wiring only; the service lives in dht_lib.
#include "dht_migrations.h"
#include "services/dht/dht_service.h"
#include "shared/server/service_main.h"

int main(int argc, char** argv) {
  datamesh::server::ServiceDefinition d;
  d.name = "dht";
  d.default_grpc_addr = "0.0.0.0:7005";
  d.default_metrics_addr = "0.0.0.0:9105";
  d.needs_pg = true;
  d.pg_schema = "dht";
  d.migrations = dht_migrations;
  d.build = datamesh::server::BuildSingleGrpcService<datamesh::dht::DhtServiceImpl>;
  return datamesh::server::RunService(d, argc, argv);
}
