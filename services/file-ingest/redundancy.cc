#include "services/file-ingest/redundancy.h"

#include <algorithm>
#include <functional>
#include <map>

namespace datamesh::file_ingest {

SegmentRedundancy MeasureSegment(const std::vector<ShardRecord>& shards,
                                 const std::set<std::string>& up, uint32_t data_shards) {
  std::map<std::string, uint32_t> per_node;
  SegmentRedundancy r;
  for (const ShardRecord& s : shards) {
    if (up.count(s.node.id) == 0) continue;
    ++per_node[s.node.id];
    ++r.live_shards;
  }
  if (r.live_shards < data_shards) return r;
  // The worst case loses the nodes holding the most shards first.
  std::vector<uint32_t> counts;
  for (const auto& [node, count] : per_node) counts.push_back(count);
  std::sort(counts.begin(), counts.end(), std::greater<>());
  uint32_t left = r.live_shards;
  r.node_losses_tolerated = 0;
  for (uint32_t count : counts) {
    if (left - count < data_shards) break;
    left -= count;
    ++r.node_losses_tolerated;
  }
  return r;
}

std::string RedundancyState(int min_node_losses_tolerated, uint32_t parity_shards) {
  if (min_node_losses_tolerated < 0) return "lost";
  if (min_node_losses_tolerated == 0) return "at_risk";
  if (static_cast<uint32_t>(min_node_losses_tolerated) >= parity_shards) return "healthy";
  return "degraded";
}

}  // namespace datamesh::file_ingest
