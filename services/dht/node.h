// NodeInfo: what the dht knows of one storage node, in domain terms (no protobuf), so the
// placement and membership code can be tested as plain functions on vectors of them.
//
// Value type; thread-compatible.
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "services/dht/node_id.h"

namespace datamesh::dht {

enum class NodeState { kUp, kDown };

// The node's own judgement, from its heartbeat (values of events.v1.NodeHealth).
enum class NodeHealth { kUnspecified = 0, kOk = 1, kDegraded = 2, kReadOnly = 3 };

// What governance decided about a node (admission.h keeps these per node). The defaults are
// those of a network without admission (--node-admission=off): every node admitted and vetted.
struct NodeAdmission {
  std::string operator_id;    // the operator that claimed it in governance; empty: none known
  bool admitted = true;       // its operator is admitted
  bool vetted = true;         // passed its audits: no limit on its share of placements
  bool disqualified = false;  // final: never placed on again
};

struct NodeInfo {
  NodeId id{};
  std::string address;
  std::string zone;
  uint64_t capacity_bytes = 0;
  uint64_t used_bytes = 0;
  uint64_t shard_count = 0;
  NodeHealth health = NodeHealth::kUnspecified;
  std::string operator_id;
  NodeState state = NodeState::kUp;
  absl::Time first_seen = absl::UnixEpoch();
  absl::Time last_seen = absl::UnixEpoch();
  // Not from heartbeats: filled in from governance's decisions before placement and listing.
  NodeAdmission admission;

  // May receive new shards: admitted, not disqualified and not read-only.
  bool writable() const {
    return health != NodeHealth::kReadOnly && admission.admitted && !admission.disqualified;
  }
  // Bytes still free; 0 when full or over capacity.
  uint64_t free_bytes() const {
    return used_bytes >= capacity_bytes ? 0 : capacity_bytes - used_bytes;
  }
};

}  // namespace datamesh::dht
