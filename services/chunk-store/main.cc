// The chunk-store service binary: wiring only; the service lives in chunk_store_lib.
#include "services/chunk-store/chunk_store_service.h"
#include "shared/server/service_main.h"

int main(int argc, char** argv) {
  datamesh::chunk_store::ChunkStoreOptions options;
  datamesh::server::ServiceDefinition d;
  d.name = "chunk-store";
  d.default_grpc_addr = "0.0.0.0:7004";
  d.default_metrics_addr = "0.0.0.0:9104";
  d.add_flags = [&](datamesh::config::FlagSet& f) { RegisterFlags(f, options); };
  d.build = [&](datamesh::server::Runtime& rt) {
    return datamesh::chunk_store::Build(rt, options);
  };
  return datamesh::server::RunService(d, argc, argv);
}
