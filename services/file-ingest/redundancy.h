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
  uint32_t live_shards = 0;  // shards stored (not still being written) on up nodes
  // How many more up nodes may fail, in the worst case, with k shards still readable;
  // -1 when fewer than k shards are live already.
  int node_losses_tolerated = -1;
};

// How many of the nodes holding shards of one segment (`per_node`: shards on each node) may
// fail with `data_shards` still left, losing the fullest nodes first (the worst case); -1 when
// fewer than `data_shards` are held at all. Both health and the upload's write quorum use it.
int NodeLossesSurvived(std::vector<uint32_t> per_node, uint32_t data_shards);

// Shards per node when `shards` are dealt over `nodes` nodes (shard i on node i % nodes): the
// most even layout, so the one surviving the most losses. Empty when `nodes` is 0.
std::vector<uint32_t> RoundRobinCounts(uint32_t shards, uint32_t nodes);

// The fewest nodes over which a round-robin layout of `shards` survives `losses` node losses;
// 0 when no number of nodes does (`losses` > shards - data_shards).
uint32_t NodesNeededToSurvive(uint32_t shards, uint32_t data_shards, int losses);

// `shards` of one segment written with `data_shards` (k) data shards; `up` the live node ids.
SegmentRedundancy MeasureSegment(const std::vector<ShardRecord>& shards,
                                 const std::set<std::string>& up, uint32_t data_shards);

// "healthy" (every shard live on its own node: m losses survivable), "degraded" (at least one
// more node loss survivable), "at_risk" (k shards readable, the next loss may lose data) or
// "lost" (fewer than k) -- from the least redundant segment.
std::string RedundancyState(int min_node_losses_tolerated, uint32_t parity_shards);

}  // namespace datamesh::file_ingest
