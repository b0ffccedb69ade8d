// gRPC implementations of the pipeline's seams: ShardStore over ChunkService (nodes reached by
// id through ChunkStubs) and Placement over DhtService. Every call carries
// the configured deadline, so a hung node costs at most `timeout` and reads fall back to
// another shard.
//
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "datamesh/chunk/v1/chunk.grpc.pb.h"
#include "datamesh/dht/v1/dht.grpc.pb.h"
#include "services/file-ingest/chunk_stubs.h"
#include "services/file-ingest/node_directory.h"
#include "services/file-ingest/shard_backend.h"

namespace datamesh::file_ingest {

class GrpcShardStore final : public ShardStore {
 public:
  GrpcShardStore(absl::Duration timeout, ChunkStubs& stubs) : timeout_(timeout), stubs_(stubs) {}

  absl::Status Put(const NodeRef& node, const std::string& shard_id,
                   std::string_view data) override;
  absl::Status Put(const NodeRef& node, const std::string& shard_id, std::string_view data,
                   CallCancel& cancel) override;
  absl::Status GetInto(const NodeRef& node, const std::string& shard_id,
                       std::span<uint8_t> out) override;
  absl::Status GetInto(const NodeRef& node, const std::string& shard_id, std::span<uint8_t> out,
                       CallCancel& cancel) override;
  absl::Status Delete(const NodeRef& node, const std::string& shard_id) override;

 private:
  const absl::Duration timeout_;
  ChunkStubs& stubs_;
};

class GrpcPlacement final : public Placement {
 public:
  // Placement answers carry each node's current address; `directory` (may be null) learns it.
  GrpcPlacement(const std::string& dht_address, absl::Duration timeout,
                NodeDirectory* directory = nullptr);

  absl::StatusOr<std::vector<NodeRef>> Place(const std::string& key, int n, uint64_t shard_size,
                                             const std::vector<std::string>& exclude,
                                             bool allow_fewer) override;
  absl::StatusOr<std::set<std::string>> UpNodes() override;

 private:
  const absl::Duration timeout_;
  std::unique_ptr<dht::v1::DhtService::Stub> stub_;
  NodeDirectory* const directory_;
};

// Every node the dht knows, in any state, as id and current address: NodeDirectory's lister.
absl::StatusOr<std::vector<NodeRef>> ListAllNodes(dht::v1::DhtService::Stub& dht,
                                                  absl::Duration timeout);

// Every node the dht lists in `state`, all pages.
absl::StatusOr<std::vector<dht::v1::Node>> ListNodesIn(dht::v1::DhtService::Stub& dht,
                                                       dht::v1::NodeState state,
                                                       absl::Duration timeout);

}  // namespace datamesh::file_ingest
