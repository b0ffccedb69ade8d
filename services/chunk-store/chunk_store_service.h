// The chunk-store service: shard bytes on the local disk of one storage node.
//
// ChunkServiceImpl is the gRPC adapter; RPCs not built yet are not overridden, so the
// generated base class answers them UNIMPLEMENTED. Build() prepares the data folder (created if
// missing, checked writable) and makes the folder's health part of readiness.
//
// Thread-safe: gRPC calls handlers concurrently.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "datamesh/chunk/v1/chunk.grpc.pb.h"
#include "services/chunk-store/chunk_store_options.h"
#include "shared/server/service_main.h"

namespace datamesh::chunk_store {

class ChunkServiceImpl final : public chunk::v1::ChunkService::Service {};

// OK when `dir` exists (it is created if missing) and a file can be written and removed there.
absl::Status CheckDataDir(const std::string& dir);

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const ChunkStoreOptions& options);

}  // namespace datamesh::chunk_store
