#include "services/dht/dht_service.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/dht/dht_converter.h"
#include "services/dht/placement.h"
#include "shared/status/grpc_status.h"
#include "shared/status/status.h"

namespace datamesh::dht {
namespace {

constexpr uint32_t kDefaultPageSize = 100;
constexpr uint32_t kMaxPageSize = 1000;

absl::StatusOr<NodeId> ParseField(const std::string& value, const char* field) {
  auto id = ParseNodeId(value);
  if (!id.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", id.status().message()));
  }
  return id;
}

absl::Status CheckCount(uint32_t n) {
  if (n == 0 || n > kMaxNodesPerRequest) {
    return absl::InvalidArgumentError(
        absl::StrCat("n must be between 1 and ", kMaxNodesPerRequest));
  }
  return absl::OkStatus();
}

absl::StatusOr<PlacementRequest> ToPlacementRequest(const v1::PlaceRequest& request) {
  RETURN_IF_ERROR(CheckCount(request.n()));
  PlacementRequest out;
  ASSIGN_OR_RETURN(out.key, ParseField(request.key(), "key"));
  out.n = request.n();
  for (const std::string& excluded : request.exclude_node_ids()) {
    ASSIGN_OR_RETURN(NodeId id, ParseField(excluded, "exclude_node_ids"));
    out.exclude.insert(id);
  }
  out.shard_size = request.shard_size();
  out.allow_fewer = request.allow_fewer();
  return out;
}

absl::StatusOr<std::optional<NodeState>> StateFilter(v1::NodeState state) {
  switch (state) {
    case v1::NODE_STATE_UNSPECIFIED: return std::optional<NodeState>();
    case v1::NODE_STATE_UP: return std::optional<NodeState>(NodeState::kUp);
    case v1::NODE_STATE_DOWN: return std::optional<NodeState>(NodeState::kDown);
    default: return absl::InvalidArgumentError("state: unknown value");
  }
}

}  // namespace

grpc::Status DhtServiceImpl::Place(grpc::ServerContext*, const v1::PlaceRequest* request,
                                   v1::PlaceResponse* response) {
  auto placement = ToPlacementRequest(*request);
  if (!placement.ok()) return ToGrpcStatus(placement.status());
  placement->unvetted_share = admission_.unvetted_share();
  std::vector<NodeInfo> up = membership_.UpNodes();
  admission_.Annotate(up);
  auto chosen = dht::Place(up, *placement);
  if (!chosen.ok()) return ToGrpcStatus(chosen.status());
  for (const NodeInfo& node : *chosen) ToProto(node, response->add_nodes());
  return grpc::Status::OK;
}

grpc::Status DhtServiceImpl::Locate(grpc::ServerContext*, const v1::LocateRequest* request,
                                    v1::LocateResponse* response) {
  if (absl::Status s = CheckCount(request->n()); !s.ok()) return ToGrpcStatus(s);
  auto key = ParseField(request->key(), "key");
  if (!key.ok()) return ToGrpcStatus(key.status());
  std::vector<NodeInfo> nearest = membership_.Nearest(*key, request->n());
  admission_.Annotate(nearest);
  for (const NodeInfo& node : nearest) ToProto(node, response->add_nodes());
  return grpc::Status::OK;
}

grpc::Status DhtServiceImpl::ListNodes(grpc::ServerContext*, const v1::ListNodesRequest* request,
                                       v1::ListNodesResponse* response) {
  auto state = StateFilter(request->state());
  if (!state.ok()) return ToGrpcStatus(state.status());
  // The cursor is the id of the last node of the previous page (ids are the sort key).
  std::optional<NodeId> after;
  if (!request->page().cursor().empty()) {
    auto id = ParseNodeId(request->page().cursor());
    if (!id.ok()) return ToGrpcStatus(absl::InvalidArgumentError("page.cursor: malformed"));
    after = *id;
  }
  uint32_t limit = request->page().limit();
  if (limit == 0) limit = kDefaultPageSize;
  if (limit > kMaxPageSize) limit = kMaxPageSize;
  bool more = false;
  std::vector<NodeInfo> nodes = membership_.List(*state, after, limit, &more);
  admission_.Annotate(nodes);
  for (const NodeInfo& node : nodes) ToProto(node, response->add_nodes());
  if (more) response->set_next_cursor(ToHex(nodes.back().id));
  return grpc::Status::OK;
}

grpc::Status DhtServiceImpl::GetNode(grpc::ServerContext*, const v1::GetNodeRequest* request,
                                     v1::GetNodeResponse* response) {
  auto id = ParseField(request->node_id(), "node_id");
  if (!id.ok()) return ToGrpcStatus(id.status());
  std::optional<NodeInfo> node = membership_.Get(*id);
  if (!node) return ToGrpcStatus(absl::NotFoundError("unknown node"));
  admission_.Annotate(*node);
  ToProto(*node, response->mutable_node());
  return grpc::Status::OK;
}

}  // namespace datamesh::dht
