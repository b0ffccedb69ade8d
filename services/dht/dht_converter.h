// Conversions between the dht's domain types and protobuf: heartbeats in, dht.v1.Node and the
// node.up / node.down payloads out. Stateless; thread-safe.
#pragma once

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "datamesh/dht/v1/dht.pb.h"
#include "datamesh/events/v1/node_events.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/dht/node.h"

namespace datamesh::dht {

// The reported fields of a heartbeat. INVALID_ARGUMENT for a malformed node id or an empty
// address (such a beat is dropped: placement could not use the node).
absl::StatusOr<NodeInfo> NodeFromHeartbeat(const events::v1::NodeHeartbeat& beat);

void ToProto(const NodeInfo& node, v1::Node* out);

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out);
void SetDuration(absl::Duration d, google::protobuf::Duration* out);

}  // namespace datamesh::dht
