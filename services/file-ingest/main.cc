// The file-ingest service binary: wiring only; the service lives in file_ingest_lib.
#include "file_ingest_migrations.h"
#include "services/file-ingest/file_ingest.h"
#include "shared/server/service_main.h"

int main(int argc, char** argv) {
  datamesh::file_ingest::FileIngestOptions options;
  datamesh::server::ServiceDefinition d;
  d.name = "file-ingest";
  d.default_grpc_addr = "0.0.0.0:7003";
  d.default_metrics_addr = "0.0.0.0:9103";
  d.needs_pg = true;
  d.pg_schema = "files";
  d.migrations = file_ingest_migrations;
  d.add_flags = [&](datamesh::config::FlagSet& f) { RegisterFlags(f, options); };
  d.build = [&](datamesh::server::Runtime& rt) {
    return datamesh::file_ingest::Build(rt, options);
  };
  return datamesh::server::RunService(d, argc, argv);
}
