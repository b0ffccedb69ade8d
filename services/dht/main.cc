// The dht service binary: wiring only; the service lives in dht_lib.
#include "dht_migrations.h"
#include "services/dht/dht_server.h"
#include "shared/server/service_main.h"

int main(int argc, char** argv) {
  datamesh::dht::DhtOptions options;
  datamesh::server::ServiceDefinition d;
  d.name = "dht";
  d.default_grpc_addr = "0.0.0.0:7005";
  d.default_metrics_addr = "0.0.0.0:9105";
  d.needs_pg = true;
  d.pg_schema = "dht";
  d.migrations = dht_migrations;
  d.add_flags = [&](datamesh::config::FlagSet& f) { datamesh::dht::RegisterFlags(f, options); };
  d.build = [&](datamesh::server::Runtime& rt) { return datamesh::dht::Build(rt, options); };
  return datamesh::server::RunService(d, argc, argv);
}
