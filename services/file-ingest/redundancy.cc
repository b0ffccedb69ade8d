#include "services/file-ingest/redundancy.h"

#include <algorithm>
#include <functional>
#include <map>

namespace datamesh::file_ingest {

int NodeLossesSurvived(std::vector<uint32_t> per_node, uint32_t data_shards) {
  uint32_t left = 0;
  for (uint32_t count : per_node) left += count;
  if (left < data_shards) return -1;
  std::sort(per_node.begin(), per_node.end(), std::greater<>());
  int survived = 0;
  for (uint32_t count : per_node) {
    if (left - count < data_shards) break;
    left -= count;
    ++survived;
  }
  return survived;
}

std::vector<uint32_t> RoundRobinCounts(uint32_t shards, uint32_t nodes) {
  std::vector<uint32_t> counts(nodes, 0);
  for (uint32_t i = 0; i < shards && nodes > 0; ++i) ++counts[i % nodes];
  return counts;
}

uint32_t NodesNeededToSurvive(uint32_t shards, uint32_t data_shards, int losses) {
  // More nodes than shards adds nothing: each already holds at most one.
  for (uint32_t nodes = 1; nodes <= shards; ++nodes) {
    if (NodeLossesSurvived(RoundRobinCounts(shards, nodes), data_shards) >= losses) return nodes;
  }
  return 0;
}

SegmentRedundancy MeasureSegment(const std::vector<ShardRecord>& shards,
                                 const std::set<std::string>& up, uint32_t data_shards) {
  std::map<std::string, uint32_t> per_node;
  SegmentRedundancy r;
  for (const ShardRecord& s : shards) {
    // A shard still being written counts once it lands; a missing one has no node.
    if (s.state != ShardState::kStored || up.count(s.node.id) == 0) continue;
    ++per_node[s.node.id];
    ++r.live_shards;
  }
  std::vector<uint32_t> counts;
  for (const auto& [node, count] : per_node) counts.push_back(count);
  r.node_losses_tolerated = NodeLossesSurvived(std::move(counts), data_shards);
  return r;
}

std::string RedundancyState(int min_node_losses_tolerated, uint32_t parity_shards) {
  if (min_node_losses_tolerated < 0) return "lost";
  if (min_node_losses_tolerated == 0) return "at_risk";
  if (static_cast<uint32_t>(min_node_losses_tolerated) >= parity_shards) return "healthy";
  return "degraded";
}

}  // namespace datamesh::file_ingest
