// GrpcNodeAdmin: NodeAdmin over DhtService.ListNodes and ChunkService (HasShards, ListShards,
// Scrub), one cached stub per chunk-store address; every call carries the configured deadline
// (scrub batches get a longer one: they read up to `scrub_batch_bytes` from disk).
//
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "datamesh/chunk/v1/chunk.grpc.pb.h"
#include "datamesh/dht/v1/dht.grpc.pb.h"
#include "services/file-ingest/node_admin.h"

namespace datamesh::file_ingest {

class GrpcNodeAdmin final : public NodeAdmin {
 public:
  GrpcNodeAdmin(const std::string& dht_address, absl::Duration timeout);

  absl::StatusOr<std::vector<NodeRef>> LiveNodes() override;
  absl::StatusOr<std::map<std::string, absl::Time>> DownNodes() override;
  absl::StatusOr<std::vector<bool>> HasShards(const NodeRef& node,
                                              const std::vector<std::string>& ids) override;
  absl::StatusOr<ShardPage> ListShards(const NodeRef& node, absl::Time stored_before,
                                       const std::string& cursor) override;
  absl::StatusOr<ScrubBatch> Scrub(const NodeRef& node, const std::string& cursor) override;

 private:
  std::shared_ptr<chunk::v1::ChunkService::Stub> StubFor(const std::string& address);

  const absl::Duration timeout_;
  std::unique_ptr<dht::v1::DhtService::Stub> dht_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<chunk::v1::ChunkService::Stub>> stubs_;
};

}  // namespace datamesh::file_ingest
