// Repair: which segments lack shards, in which order to fix them, and how one segment's
// missing shards are rebuilt.
//
// A shard is lost when its node is not up (dht membership) or the node no longer holds it
// (HasShards, or a scrub found it corrupt and deleted it). A shard is crowded when its node
// also holds a lower-indexed shard of the same segment: repair puts rebuilt shards beside
// healthy ones when too few nodes are up (see PlaceLost), and such a segment survives fewer
// node losses than its k + m shards suggest. PlanRepairs is pure: it keeps the segments with
// a lost shard, or with a crowded shard and an up node the segment does not use yet (the
// crowded shard then moves there: the spread comes back when nodes return), and orders them
// nearest-to-loss first (fewest shards on live nodes, then content id and index, so the order
// is deterministic).
//
// Nodes that went down only recently (`waiting`: inside the repair grace period) are usually
// restarting: their shards are waited for rather than rebuilt, unless the segment is at risk
// (k or fewer shards on live nodes), since one more loss would then lose data. SegmentRepairer
// rebuilds the lost shards of one segment from any k verified healthy ones (data shards first) with
// the erasure codec's in-place Decode -- no decryption: shards are rebuilt as the bytes they were
// -- checks each rebuilt shard against its id, has dht place them away from the nodes the segment
// uses (see PlaceLost), and writes them.
//
// Thread-safe: PlanRepairs is a free function; a SegmentRepairer may be shared (the codecs it
// uses, one per recorded codec id and shape, are the process's shared ones).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/file-ingest/manifest.h"
#include "services/file-ingest/shard_backend.h"
#include "shared/erasure/erasure_codec.h"

namespace datamesh::file_ingest {

// One segment's shard layout from the manifest.
struct SegmentLayout {
  std::string content_id;
  uint64_t segment_index = 0;
  uint64_t shard_size = 0;
  int data_shards = 0;
  int parity_shards = 0;
  std::string codec_id;
  std::vector<ShardRecord> shards;  // as the manifest lists them
};

struct RepairTask {
  SegmentLayout segment;
  std::vector<int> healthy;  // positions in segment.shards, by shard index
  // Positions in segment.shards to rebuild and place anew: the lost shards by shard index,
  // then the `relocations` crowded ones (healthy, but sharing a node) moving to free nodes.
  std::vector<int> lost;
  size_t relocations = 0;

  // Only crowded shards move: nothing is missing, so it must not crowd another node.
  bool spread_only() const { return relocations == lost.size(); }
  // Shards of the segment on live nodes (the crowded ones included).
  size_t live_shards() const { return healthy.size() + relocations; }
};

// (node id, shard id) pairs known to be gone from a node that is up.
using MissingShards = std::set<std::pair<std::string, std::string>>;

// Repair order: fewest shards on live nodes first, then content id and segment index.
bool NearerToLoss(const RepairTask& a, const RepairTask& b);

// The segments with a lost shard or a crowded shard that can move, in NearerToLoss order.
std::vector<RepairTask> PlanRepairs(std::vector<SegmentLayout> segments,
                                    const std::set<std::string>& up_nodes,
                                    const MissingShards& missing,
                                    const std::set<std::string>& waiting = {});

class SegmentRepairer {
 public:
  // `shards` should record intents (IntentShardStore) so GC leaves the new shards alone until
  // the manifest points at them. Both must outlive the repairer.
  SegmentRepairer(Placement& placement, ShardStore& shards)
      : placement_(placement), shards_(shards) {}

  // The new records of the task's lost shards, in the order of task.lost, written to their
  // new nodes. DATA_LOSS when fewer than k healthy shards are readable and verified;
  // UNAVAILABLE when no node can take a shard.
  [[nodiscard]] absl::StatusOr<std::vector<ShardRecord>> Rebuild(const RepairTask& task);

 private:
  absl::StatusOr<const erasure::ErasureCodec*> CodecFor(const SegmentLayout& segment);
  absl::StatusOr<std::vector<NodeRef>> PlaceLost(const RepairTask& task);

  Placement& placement_;
  ShardStore& shards_;
};

}  // namespace datamesh::file_ingest
