// GrpcNodeAdmin: NodeAdmin over DhtService.ListNodes and ChunkService (HasShards, ListShards,
// Scrub), nodes reached through ChunkStubs (by id); every call carries the configured deadline
// (scrub batches get a longer one: they read up to `scrub_batch_bytes` from disk).
//
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "datamesh/dht/v1/dht.grpc.pb.h"
#include "services/file-ingest/chunk_stubs.h"
#include "services/file-ingest/node_admin.h"

namespace datamesh::file_ingest {

class GrpcNodeAdmin final : public NodeAdmin {
 public:
  GrpcNodeAdmin(const std::string& dht_address, absl::Duration timeout, ChunkStubs& stubs);

  absl::StatusOr<std::vector<NodeRef>> LiveNodes() override;
  absl::StatusOr<std::map<std::string, absl::Time>> DownNodes() override;
  absl::StatusOr<std::vector<bool>> HasShards(const NodeRef& node,
                                              const std::vector<std::string>& ids) override;
  absl::StatusOr<ShardPage> ListShards(const NodeRef& node, absl::Time stored_before,
                                       const std::string& cursor) override;
  absl::StatusOr<ScrubBatch> Scrub(const NodeRef& node, const std::string& cursor) override;

 private:
  const absl::Duration timeout_;
  std::unique_ptr<dht::v1::DhtService::Stub> dht_;
  ChunkStubs& stubs_;
};

}  // namespace datamesh::file_ingest
