// The chunk-store service: shard bytes on the local disk of one storage node.
//
// ChunkServiceImpl is the gRPC adapter of datamesh.chunk.v1.ChunkService over a ShardStore: it
// validates requests at the edge, streams shard bytes without holding whole shards in memory,
// maps store errors to gRPC codes and counts them. Build() wires a node: opens the store (lock,
// temp clean-up, index scan), loads or creates the node id, registers the adapter, the disk
// readiness check and the node.heartbeat publisher.
//
// Ownership: the adapter borrows the store and metrics (the service parts own all three).
// Thread-safe: gRPC calls handlers concurrently; the store is thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "datamesh/chunk/v1/chunk.grpc.pb.h"
#include "services/chunk-store/chunk_store_metrics.h"
#include "services/chunk-store/chunk_store_options.h"
#include "services/chunk-store/shard_store.h"
#include "shared/server/service_main.h"

namespace datamesh::chunk_store {

// Bytes per GetShard message (the contract allows up to 1 MiB).
inline constexpr size_t kGetChunkBytes = 512 * 1024;
// Largest data field accepted in one PutShard message (the contract's bound).
inline constexpr size_t kMaxPutMessageBytes = 1024 * 1024;

class ChunkServiceImpl final : public chunk::v1::ChunkService::Service {
 public:
  // `address` gives the advertised host:port (Stats reports it).
  ChunkServiceImpl(ShardStore& store, ChunkStoreMetrics& metrics, std::string node_id,
                   std::string zone, std::function<std::string()> address);

  grpc::Status PutShard(grpc::ServerContext* context,
                        grpc::ServerReader<chunk::v1::PutShardRequest>* reader,
                        chunk::v1::PutShardResponse* response) override;
  grpc::Status GetShard(grpc::ServerContext* context, const chunk::v1::GetShardRequest* request,
                        grpc::ServerWriter<chunk::v1::GetShardResponse>* writer) override;
  grpc::Status HasShards(grpc::ServerContext* context, const chunk::v1::HasShardsRequest* request,
                         chunk::v1::HasShardsResponse* response) override;
  grpc::Status DeleteShard(grpc::ServerContext* context,
                           const chunk::v1::DeleteShardRequest* request,
                           chunk::v1::DeleteShardResponse* response) override;
  grpc::Status ListShards(grpc::ServerContext* context, const chunk::v1::ListShardsRequest* request,
                          chunk::v1::ListShardsResponse* response) override;
  grpc::Status Scrub(grpc::ServerContext* context, const chunk::v1::ScrubRequest* request,
                     chunk::v1::ScrubResponse* response) override;
  grpc::Status Stats(grpc::ServerContext* context, const chunk::v1::StatsRequest* request,
                     chunk::v1::StatsResponse* response) override;

 private:
  absl::Status DoPut(grpc::ServerReader<chunk::v1::PutShardRequest>* reader,
                     chunk::v1::PutShardResponse* response);
  absl::Status DoGet(grpc::ServerContext* context, const chunk::v1::GetShardRequest& request,
                     grpc::ServerWriter<chunk::v1::GetShardResponse>* writer);
  // Logs and hides internals of server-side failures before they reach a client.
  static grpc::Status Answer(const absl::Status& status, const char* rpc);

  ShardStore& store_;
  ChunkStoreMetrics& metrics_;
  const std::string node_id_;
  const std::string zone_;
  const std::function<std::string()> address_;
};

// OK when `dir` exists (it is created if missing) and a file can be written and removed there.
absl::Status CheckDataDir(const std::string& dir);

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const ChunkStoreOptions& options);

}  // namespace datamesh::chunk_store
