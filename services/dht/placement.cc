#include "services/dht/placement.h"

#include <algorithm>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace datamesh::dht {

bool Eligible(const NodeInfo& node, const PlacementRequest& request) {
  if (node.state != NodeState::kUp || !node.writable()) return false;
  if (request.exclude.contains(node.id)) return false;
  const uint64_t free = node.free_bytes();
  return free > 0 && free >= request.shard_size;
}

absl::StatusOr<std::vector<NodeInfo>> Place(std::span<const NodeInfo> nodes,
                                            const PlacementRequest& request) {
  std::vector<const NodeInfo*> ranked;
  for (const NodeInfo& node : nodes) {
    if (Eligible(node, request)) ranked.push_back(&node);
  }
  std::sort(ranked.begin(), ranked.end(), [&](const NodeInfo* a, const NodeInfo* b) {
    return Nearer(request.key, a->id, b->id);
  });
  if (ranked.size() < request.n && !request.allow_fewer) {
    return absl::FailedPreconditionError(absl::StrCat("not enough storage nodes: ", ranked.size(),
                                                      " up with room, ", request.n, " needed"));
  }

  const size_t want = std::min<size_t>(request.n, ranked.size());
  std::vector<bool> chosen(ranked.size(), false);
  size_t chosen_count = 0;
  absl::flat_hash_map<std::string, size_t> per_zone;
  // One pass over the ranking: takes unchosen nodes of the given health whose zone holds
  // exactly `round` chosen nodes so far.
  auto pass = [&](bool degraded, size_t round) {
    for (size_t i = 0; i < ranked.size() && chosen_count < want; ++i) {
      const NodeInfo& node = *ranked[i];
      if (chosen[i] || (node.health == NodeHealth::kDegraded) != degraded) continue;
      size_t& in_zone = per_zone[node.zone];
      if (in_zone != round) continue;
      chosen[i] = true;
      ++chosen_count;
      ++in_zone;
    }
  };
  // Each round adds at most one node per zone and every eligible node is taken by round
  // `want` at the latest, so the loop ends.
  for (size_t round = 0; chosen_count < want; ++round) {
    pass(/*degraded=*/false, round);
    pass(/*degraded=*/true, round);
  }

  std::vector<NodeInfo> out;
  out.reserve(want);
  for (size_t i = 0; i < ranked.size(); ++i) {
    if (chosen[i]) out.push_back(*ranked[i]);
  }
  return out;
}

}  // namespace datamesh::dht
