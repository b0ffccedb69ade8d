// The file-ingest service binary: wiring only; the service lives in file_ingest_lib.
#include <grpcpp/grpcpp.h>
#include <malloc.h>

#include "file_ingest_migrations.h"
#include "services/file-ingest/chunk_stubs.h"
#include "services/file-ingest/durability_gauges.h"
#include "services/file-ingest/file_ingest.h"
#include "shared/server/service_main.h"

int main(int argc, char** argv) {
  // Segment and shard blocks are mapped by BlockPool itself; what goes through malloc is at
  // most a gRPC message (about 1 MiB). Those come from the heap (a fresh mapping each would
  // fault every page in again), a heap keeps up to 8 MiB free at its top (fixing the mmap
  // threshold would otherwise fix this at 128 KiB and trim after nearly every free), and at
  // most 2 arenas hold free memory (glibc's default is 8 per core: one per busy thread here).
  // docs/PERFORMANCE.md has the measurements behind these figures.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 8 << 20);
  mallopt(M_ARENA_MAX, 2);
  datamesh::file_ingest::FileIngestOptions options;
  datamesh::file_ingest::DurabilityGaugeOptions durability;
  datamesh::server::ServiceDefinition d;
  d.name = "file-ingest";
  d.default_grpc_addr = "0.0.0.0:7003";
  d.default_metrics_addr = "0.0.0.0:9103";
  d.needs_pg = true;
  d.pg_schema = "files";
  d.migrations = file_ingest_migrations;
  d.add_flags = [&](datamesh::config::FlagSet& f) {
    RegisterFlags(f, options);
    RegisterDurabilityFlags(f, durability);
  };
  // An upload waiting for the segment budget stops reading its stream, but gRPC keeps
  // receiving into it up to its flow-control window, which BDP probing grows to megabytes:
  // with 50 uploads at once that was most of the process's memory (docs/PERFORMANCE.md).
  d.configure_grpc_server = [](grpc::ServerBuilder& b) {
    b.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    b.AddChannelArgument(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES,
                         datamesh::file_ingest::kShardStreamWindowBytes);
  };
  d.build = [&](datamesh::server::Runtime& rt)
      -> absl::StatusOr<std::unique_ptr<datamesh::server::ServiceParts>> {
    auto parts = datamesh::file_ingest::Build(rt, options);
    if (!parts.ok()) return parts.status();
    return WithDurabilityGauges(*std::move(parts), rt, options.dht_addr, options.shard_timeout,
                                durability);
  };
  return datamesh::server::RunService(d, argc, argv);
}
