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
// Admission and vetting. Nodes that are not writable (read-only, operator not admitted,
// disqualified) are never eligible. Unvetted nodes (new ones, still earning their audits) take
// part fully only in a share of keys: a key is a "vetting key" when a hash of it falls below
// `unvetted_share` (VettingKey), the same answer on every replica, and about that share of
// keys over many. For other keys they are a last resort, taken only when the vetted eligible
// nodes are fewer than n: ranked below every vetted node of the same round (after degraded
// ones), so zones still come first and a young network whose nodes are all unvetted still
// stores data (which is what lets its nodes be audited at all).
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
  // Share of keys, 0..1, in which unvetted nodes rank as vetted ones (vetting.placementShare).
  // 1: vetting makes no difference.
  double unvetted_share = 1.0;
};

// Whether `key` is one of the `share` of keys in which unvetted nodes take part fully: a
// fixed hash of the key, mapped to [0, 1), is below `share`.
bool VettingKey(const NodeId& key, double share);

// Whether `node` may receive a shard of `request` (zone, health and vetting preferences aside).
bool Eligible(const NodeInfo& node, const PlacementRequest& request);

// Chooses up to request.n nodes from `nodes` (any order; ids distinct). FAILED_PRECONDITION when
// fewer than n are eligible and !allow_fewer; the message says how many were.
absl::StatusOr<std::vector<NodeInfo>> Place(std::span<const NodeInfo> nodes,
                                            const PlacementRequest& request);

}  // namespace datamesh::dht
