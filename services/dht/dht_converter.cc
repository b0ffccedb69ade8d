#include "services/dht/dht_converter.h"

#include <cstdint>

namespace datamesh::dht {

absl::StatusOr<NodeInfo> NodeFromHeartbeat(const events::v1::NodeHeartbeat& beat) {
  auto id = ParseNodeId(beat.node_id());
  if (!id.ok()) return id.status();
  if (beat.address().empty()) return absl::InvalidArgumentError("heartbeat without an address");
  NodeInfo node;
  node.id = *id;
  node.address = beat.address();
  node.zone = beat.zone();
  node.capacity_bytes = beat.capacity_bytes();
  node.used_bytes = beat.used_bytes();
  node.shard_count = beat.shard_count();
  // An unknown future health value is treated as unspecified rather than trusted.
  const int health = beat.health();
  node.health =
      health >= 0 && health <= 3 ? static_cast<NodeHealth>(health) : NodeHealth::kUnspecified;
  node.operator_id = beat.operator_id();
  return node;
}

void ToProto(const NodeInfo& node, v1::Node* out) {
  out->set_id(ToHex(node.id));
  out->set_address(node.address);
  out->set_zone(node.zone);
  out->set_state(node.state == NodeState::kUp ? v1::NODE_STATE_UP : v1::NODE_STATE_DOWN);
  out->set_capacity_bytes(node.capacity_bytes);
  out->set_used_bytes(node.used_bytes);
  out->set_shard_count(node.shard_count);
  SetTimestamp(node.last_seen, out->mutable_last_seen());
  SetTimestamp(node.first_seen, out->mutable_first_seen());
  // Governance's record of who runs the node beats the node's own claim.
  out->set_operator_id(node.admission.operator_id.empty() ? node.operator_id
                                                          : node.admission.operator_id);
  out->set_writable(node.writable());
  out->set_admitted(node.admission.admitted);
  out->set_vetted(node.admission.vetted);
  out->set_disqualified(node.admission.disqualified);
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t nanos = absl::ToUnixNanos(t);
  int64_t seconds = nanos / 1'000'000'000;
  int64_t rest = nanos % 1'000'000'000;
  if (rest < 0) {
    rest += 1'000'000'000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest));
}

void SetDuration(absl::Duration d, google::protobuf::Duration* out) {
  const int64_t nanos = absl::ToInt64Nanoseconds(d);
  out->set_seconds(nanos / 1'000'000'000);
  out->set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
}

}  // namespace datamesh::dht
