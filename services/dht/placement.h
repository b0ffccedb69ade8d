// Placement: which nodes receive the shards of a key. A pure function of the membership and the
// request, so every dht replica answers the same, and stable: a node joining or leaving moves
// only the keys whose placement must include or lose it.
//
// Algorithm. Eligible nodes are up, writable, not excluded and have room (free bytes >= the
// shard size, and at least one free byte: a node at or over capacity is full). They are ranked
// by XOR distance of their id from the key (distinct ids never tie). The answer is built in
// rounds; round r passes over that ranking taking the nodes whose zone holds exactly r chosen
// nodes so far, healthy nodes first, then degraded ones, until n are chosen. So every zone gets
// one shard before any gets a second, shards stay balanced over zones (a segment survives the
// loss of a zone whenever the code tolerates that many losses), and a node that reported itself
// degraded is chosen only when a healthy one of the same round is not available. The chosen
// nodes are returned nearest first: the i-th shard goes to the i-th node.
//
// Stability: a node that was not chosen (skipped for its zone, or ranked beyond the answer)
// changes no zone's count in any round when it leaves, and a joining node that is not chosen
// changes none either; so the keys that move are exactly those whose answer gains or loses that
// node.
//
// Thread-safe (no state).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "services/dht/node.h"

namespace datamesh::dht {

struct PlacementRequest {
  NodeId key{};
  uint32_t n = 0;
  absl::flat_hash_set<NodeId> exclude;
  uint64_t shard_size = 0;  // 0: no size check beyond "not full"
  bool allow_fewer = false;
};

// Whether `node` may receive a shard of `request` (zone and health preferences aside).
bool Eligible(const NodeInfo& node, const PlacementRequest& request);

// Chooses up to request.n nodes from `nodes` (any order; ids distinct). FAILED_PRECONDITION when
// fewer than n are eligible and !allow_fewer; the message says how many were.
absl::StatusOr<std::vector<NodeInfo>> Place(std::span<const NodeInfo> nodes,
                                            const PlacementRequest& request);

}  // namespace datamesh::dht
