// gRPC implementations of the pipeline's seams: ShardStore over ChunkService (one cached
// channel and stub per chunk-store address) and Placement over DhtService. Every call carries
// the configured deadline, so a hung node costs at most `timeout` and reads fall back to
// another shard.
//
// Thread-safe: stubs are thread-safe and the cache is guarded by a mutex.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "datamesh/chunk/v1/chunk.grpc.pb.h"
#include "datamesh/dht/v1/dht.grpc.pb.h"
#include "services/file-ingest/shard_backend.h"

namespace datamesh::file_ingest {

class GrpcShardStore final : public ShardStore {
 public:
  explicit GrpcShardStore(absl::Duration timeout) : timeout_(timeout) {}

  absl::Status Put(const NodeRef& node, const std::string& shard_id,
                   std::string_view data) override;
  absl::Status GetInto(const NodeRef& node, const std::string& shard_id,
                       std::span<uint8_t> out) override;
  absl::Status Delete(const NodeRef& node, const std::string& shard_id) override;

 private:
  std::shared_ptr<chunk::v1::ChunkService::Stub> StubFor(const std::string& address);

  const absl::Duration timeout_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<chunk::v1::ChunkService::Stub>> stubs_;
};

class GrpcPlacement final : public Placement {
 public:
  GrpcPlacement(const std::string& dht_address, absl::Duration timeout);

  absl::StatusOr<std::vector<NodeRef>> Place(const std::string& key, int n, uint64_t shard_size,
                                             const std::vector<std::string>& exclude,
                                             bool allow_fewer) override;
  absl::StatusOr<std::set<std::string>> UpNodes() override;

 private:
  const absl::Duration timeout_;
  std::unique_ptr<dht::v1::DhtService::Stub> stub_;
};

// Every node the dht lists in `state`, all pages.
absl::StatusOr<std::vector<dht::v1::Node>> ListNodesIn(dht::v1::DhtService::Stub& dht,
                                                       dht::v1::NodeState state,
                                                       absl::Duration timeout);

}  // namespace datamesh::file_ingest
