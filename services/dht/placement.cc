#include "services/dht/placement.h"

#include <algorithm>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace datamesh::dht {

bool VettingKey(const NodeId& key, double share) {
  if (share >= 1.0) return true;
  if (!(share > 0.0)) return false;  // also NaN
  // splitmix64's finaliser over the key's bytes: fixed (so every replica agrees), and it spreads
  // the bits of keys that share a prefix, which the XOR ranking would otherwise correlate with.
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (uint8_t byte : key) {
    h ^= byte;
    h += 0x9e3779b97f4a7c15ULL;
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    h ^= h >> 31;
  }
  // The top 53 bits as a double in [0, 1): exact, so the comparison is the same everywhere.
  return static_cast<double>(h >> 11) * 0x1.0p-53 < share;
}

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

  // Outside a vetting key unvetted nodes are dropped while the vetted ones suffice, and
  // otherwise rank last within each round.
  const bool vetting_key = VettingKey(request.key, request.unvetted_share);
  auto last_resort = [&](const NodeInfo* node) { return !vetting_key && !node->admission.vetted; };
  const size_t vetted = std::count_if(ranked.begin(), ranked.end(),
                                      [&](const NodeInfo* node) { return !last_resort(node); });
  if (vetted >= request.n) {
    std::erase_if(ranked, last_resort);
  }

  const size_t want = std::min<size_t>(request.n, ranked.size());
  std::vector<bool> chosen(ranked.size(), false);
  size_t chosen_count = 0;
  absl::flat_hash_map<std::string, size_t> per_zone;
  // A node's preference tier: healthy before degraded, both before last-resort unvetted nodes.
  auto tier = [&](const NodeInfo& node) {
    return (last_resort(&node) ? 2 : 0) + (node.health == NodeHealth::kDegraded ? 1 : 0);
  };
  // One pass over the ranking: takes unchosen nodes of the given tier whose zone holds exactly
  // `round` chosen nodes so far.
  auto pass = [&](int wanted_tier, size_t round) {
    for (size_t i = 0; i < ranked.size() && chosen_count < want; ++i) {
      const NodeInfo& node = *ranked[i];
      if (chosen[i] || tier(node) != wanted_tier) continue;
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
    for (int t = 0; t < 4; ++t) pass(t, round);
  }

  std::vector<NodeInfo> out;
  out.reserve(want);
  for (size_t i = 0; i < ranked.size(); ++i) {
    if (chosen[i]) out.push_back(*ranked[i]);
  }
  return out;
}

}  // namespace datamesh::dht
