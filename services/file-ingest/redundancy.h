// Redundancy of stored segments as users and operators should read it: not only how many
// shards sit on live nodes, but how many more node losses a segment survives. The two differ
// when repair had to put two shards of a segment on one node (too few nodes were up): such a
// segment holds k + m shards yet loses two at once with that node.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "services/file-ingest/manifest.h"

namespace datamesh::file_ingest {

struct SegmentRedundancy {
  uint32_t live_shards = 0;  // shards on up nodes
  // How many more up nodes may fail, in the worst case, with k shards still readable;
  // -1 when fewer than k shards are live already.
  int node_losses_tolerated = -1;
};

// `shards` of one segment written with `data_shards` (k) data shards; `up` the live node ids.
SegmentRedundancy MeasureSegment(const std::vector<ShardRecord>& shards,
                                 const std::set<std::string>& up, uint32_t data_shards);

// "healthy" (every shard live on its own node: m losses survivable), "degraded" (at least one
// more node loss survivable), "at_risk" (k shards readable, the next loss may lose data) or
// "lost" (fewer than k) -- from the least redundant segment.
std::string RedundancyState(int min_node_losses_tolerated, uint32_t parity_shards);

}  // namespace datamesh::file_ingest
