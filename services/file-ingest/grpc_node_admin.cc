#include "services/file-ingest/grpc_node_admin.h"

#include <grpcpp/grpcpp.h>

#include "services/file-ingest/grpc_backends.h"
#include "services/file-ingest/rpc_util.h"
#include "shared/server/channels.h"
#include "shared/status/grpc_status.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

// A scrub batch reads up to this much; the node stops at whichever bound comes first.
constexpr uint64_t kScrubBatchBytes = 256 << 20;
constexpr uint32_t kScrubBatchShards = 1000;

}  // namespace

GrpcNodeAdmin::GrpcNodeAdmin(const std::string& dht_address, absl::Duration timeout,
                             ChunkStubs& stubs)
    : timeout_(timeout),
      dht_(dht::v1::DhtService::NewStub(server::ServiceChannel(dht_address))),
      stubs_(stubs) {}

absl::StatusOr<std::vector<NodeRef>> GrpcNodeAdmin::LiveNodes() {
  ASSIGN_OR_RETURN(std::vector<dht::v1::Node> up,
                   ListNodesIn(*dht_, dht::v1::NODE_STATE_UP, timeout_));
  std::vector<NodeRef> nodes;
  for (const auto& node : up) nodes.push_back({node.id(), node.address()});
  return nodes;
}

absl::StatusOr<std::map<std::string, absl::Time>> GrpcNodeAdmin::DownNodes() {
  ASSIGN_OR_RETURN(std::vector<dht::v1::Node> down,
                   ListNodesIn(*dht_, dht::v1::NODE_STATE_DOWN, timeout_));
  std::map<std::string, absl::Time> last_seen;
  for (const auto& node : down) {
    last_seen[node.id()] = absl::FromUnixSeconds(node.last_seen().seconds()) +
                           absl::Nanoseconds(node.last_seen().nanos());
  }
  return last_seen;
}

absl::StatusOr<std::vector<bool>> GrpcNodeAdmin::HasShards(const NodeRef& node,
                                                           const std::vector<std::string>& ids) {
  chunk::v1::HasShardsRequest req;
  for (const std::string& id : ids) req.add_shard_ids(id);
  chunk::v1::HasShardsResponse resp;
  absl::Status status = stubs_.Run(node, [&](ChunkStubs::Stub& stub) {
    grpc::ClientContext ctx;
    SetDeadline(ctx, timeout_);
    return FromGrpcStatus(stub.HasShards(&ctx, req, &resp));
  });
  if (!status.ok()) return status;
  if (resp.present_size() != static_cast<int>(ids.size())) {
    return absl::InternalError("HasShards answered the wrong number of flags");
  }
  return std::vector<bool>(resp.present().begin(), resp.present().end());
}

absl::StatusOr<ShardPage> GrpcNodeAdmin::ListShards(const NodeRef& node, absl::Time stored_before,
                                                    const std::string& cursor) {
  chunk::v1::ListShardsRequest req;
  req.set_limit(1000);
  req.set_cursor(cursor);
  const int64_t micros = absl::ToUnixMicros(stored_before);
  req.mutable_stored_before()->set_seconds(micros / 1000000);
  req.mutable_stored_before()->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
  chunk::v1::ListShardsResponse resp;
  absl::Status status = stubs_.Run(node, [&](ChunkStubs::Stub& stub) {
    grpc::ClientContext ctx;
    SetDeadline(ctx, timeout_);
    return FromGrpcStatus(stub.ListShards(&ctx, req, &resp));
  });
  if (!status.ok()) return status;
  ShardPage page;
  for (const auto& shard : resp.shards()) page.shard_ids.push_back(shard.shard_id());
  if (resp.has_next_cursor()) page.next_cursor = resp.next_cursor();
  return page;
}

absl::StatusOr<ScrubBatch> GrpcNodeAdmin::Scrub(const NodeRef& node, const std::string& cursor) {
  chunk::v1::ScrubRequest req;
  req.set_cursor(cursor);
  req.set_max_shards(kScrubBatchShards);
  req.set_max_bytes(kScrubBatchBytes);
  req.set_delete_corrupt(true);
  chunk::v1::ScrubResponse resp;
  absl::Status status = stubs_.Run(node, [&](ChunkStubs::Stub& stub) {
    grpc::ClientContext ctx;
    SetDeadline(ctx, timeout_ * 6);
    return FromGrpcStatus(stub.Scrub(&ctx, req, &resp));
  });
  if (!status.ok()) return status;
  ScrubBatch batch;
  batch.scanned = resp.shards_scanned();
  batch.corrupt_shard_ids.assign(resp.corrupt_shard_ids().begin(), resp.corrupt_shard_ids().end());
  if (resp.has_next_cursor()) batch.next_cursor = resp.next_cursor();
  return batch;
}

}  // namespace datamesh::file_ingest
