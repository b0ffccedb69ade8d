#include "services/file-ingest/grpc_backends.h"

#include <grpcpp/grpcpp.h>

#include <cstring>

#include "services/file-ingest/rpc_util.h"
#include "shared/server/channels.h"
#include "shared/status/grpc_status.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

// Messages stay under gRPC's 4 MiB default, as the contract asks.
constexpr size_t kMaxMessage = 1 << 20;

}  // namespace

absl::Status GrpcShardStore::Put(const NodeRef& node, const std::string& shard_id,
                                 std::string_view data) {
  CallCancel never;
  return Put(node, shard_id, data, never);
}

absl::Status GrpcShardStore::Put(const NodeRef& node, const std::string& shard_id,
                                 std::string_view data, CallCancel& cancel) {
  return stubs_.Run(node, [&](ChunkStubs::Stub& stub) {
    grpc::ClientContext ctx;
    SetDeadline(ctx, timeout_);
    if (!cancel.SetAbort([&ctx] { ctx.TryCancel(); })) {
      return absl::CancelledError("the shard write was abandoned");
    }
    // The abort hook points at ctx: cleared before ctx goes, on every return below.
    struct ClearAbort {
      CallCancel& cancel;
      ~ClearAbort() { cancel.SetAbort(nullptr); }
    } clear{cancel};
    chunk::v1::PutShardResponse resp;
    auto writer = stub.PutShard(&ctx, &resp);
    chunk::v1::PutShardRequest req;
    req.mutable_header()->set_shard_id(shard_id);
    req.mutable_header()->set_size(data.size());
    std::string_view left = data;
    bool ok = true;
    do {
      size_t n = std::min(left.size(), kMaxMessage);
      req.set_data(left.data(), n);
      left.remove_prefix(n);
      ok = writer->Write(req);
      req.clear_header();
    } while (ok && !left.empty());
    if (ok) writer->WritesDone();
    return FromGrpcStatus(writer->Finish());
  });
}

absl::Status GrpcShardStore::GetInto(const NodeRef& node, const std::string& shard_id,
                                     std::span<uint8_t> out) {
  CallCancel never;
  return GetInto(node, shard_id, out, never);
}

absl::Status GrpcShardStore::GetInto(const NodeRef& node, const std::string& shard_id,
                                     std::span<uint8_t> out, CallCancel& cancel) {
  return stubs_.Run(node, [&](ChunkStubs::Stub& stub) {
    grpc::ClientContext ctx;
    SetDeadline(ctx, timeout_);
    if (!cancel.SetAbort([&ctx] { ctx.TryCancel(); })) {
      return absl::CancelledError("the shard read was abandoned");
    }
    struct ClearAbort {
      CallCancel& cancel;
      ~ClearAbort() { cancel.SetAbort(nullptr); }
    } clear{cancel};
    chunk::v1::GetShardRequest req;
    req.set_shard_id(shard_id);
    auto reader = stub.GetShard(&ctx, req);
    chunk::v1::GetShardResponse msg;
    size_t at = 0;
    bool size_ok = true;
    while (reader->Read(&msg)) {
      if (at + msg.data().size() > out.size()) {
        size_ok = false;
        ctx.TryCancel();
        break;
      }
      std::memcpy(out.data() + at, msg.data().data(), msg.data().size());
      at += msg.data().size();
    }
    absl::Status status = FromGrpcStatus(reader->Finish());
    if (!size_ok || (status.ok() && at != out.size())) {
      return absl::DataLossError("shard has the wrong size");
    }
    return status;
  });
}

absl::Status GrpcShardStore::Delete(const NodeRef& node, const std::string& shard_id) {
  return stubs_.Run(node, [&](ChunkStubs::Stub& stub) {
    grpc::ClientContext ctx;
    SetDeadline(ctx, timeout_);
    chunk::v1::DeleteShardRequest req;
    req.set_shard_id(shard_id);
    chunk::v1::DeleteShardResponse resp;
    return FromGrpcStatus(stub.DeleteShard(&ctx, req, &resp));
  });
}

GrpcPlacement::GrpcPlacement(const std::string& dht_address, absl::Duration timeout,
                             NodeDirectory* directory)
    : timeout_(timeout),
      stub_(dht::v1::DhtService::NewStub(server::ServiceChannel(dht_address))),
      directory_(directory) {}

absl::StatusOr<std::vector<NodeRef>> GrpcPlacement::Place(const std::string& key, int n,
                                                          uint64_t shard_size,
                                                          const std::vector<std::string>& exclude,
                                                          bool allow_fewer) {
  grpc::ClientContext ctx;
  SetDeadline(ctx, timeout_);
  dht::v1::PlaceRequest req;
  req.set_key(key);
  req.set_n(n);
  req.set_shard_size(shard_size);
  req.set_allow_fewer(allow_fewer);
  for (const std::string& id : exclude) req.add_exclude_node_ids(id);
  dht::v1::PlaceResponse resp;
  absl::Status status = FromGrpcStatus(stub_->Place(&ctx, req, &resp));
  if (absl::IsFailedPrecondition(status)) {
    // The dht's message says how many nodes are up and how many are needed.
    absl::Status unavailable = absl::UnavailableError(status.message());
    unavailable.SetPayload(kStorageNodesPayload, absl::Cord("1"));
    return unavailable;
  }
  if (!status.ok()) return status;
  std::vector<NodeRef> nodes;
  for (const auto& node : resp.nodes()) {
    nodes.push_back({node.id(), node.address()});
    if (directory_ != nullptr) directory_->Learn(nodes.back());
  }
  return nodes;
}

absl::StatusOr<std::vector<NodeRef>> ListAllNodes(dht::v1::DhtService::Stub& dht,
                                                  absl::Duration timeout) {
  ASSIGN_OR_RETURN(std::vector<dht::v1::Node> all,
                   ListNodesIn(dht, dht::v1::NODE_STATE_UNSPECIFIED, timeout));
  std::vector<NodeRef> nodes;
  for (const auto& node : all) nodes.push_back({node.id(), node.address()});
  return nodes;
}

absl::StatusOr<std::vector<dht::v1::Node>> ListNodesIn(dht::v1::DhtService::Stub& dht,
                                                       dht::v1::NodeState state,
                                                       absl::Duration timeout) {
  std::vector<dht::v1::Node> nodes;
  std::string cursor;
  do {
    grpc::ClientContext ctx;
    SetDeadline(ctx, timeout);
    dht::v1::ListNodesRequest req;
    req.set_state(state);
    req.mutable_page()->set_limit(1000);
    req.mutable_page()->set_cursor(cursor);
    dht::v1::ListNodesResponse resp;
    absl::Status status = FromGrpcStatus(dht.ListNodes(&ctx, req, &resp));
    if (!status.ok()) return status;
    for (auto& node : *resp.mutable_nodes()) nodes.push_back(std::move(node));
    cursor = resp.has_next_cursor() ? resp.next_cursor() : "";
  } while (!cursor.empty());
  return nodes;
}

absl::StatusOr<std::set<std::string>> GrpcPlacement::UpNodes() {
  ASSIGN_OR_RETURN(std::vector<dht::v1::Node> nodes,
                   ListNodesIn(*stub_, dht::v1::NODE_STATE_UP, timeout_));
  std::set<std::string> up;
  for (const auto& node : nodes) up.insert(node.id());
  return up;
}

}  // namespace datamesh::file_ingest
