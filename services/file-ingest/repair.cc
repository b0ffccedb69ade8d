#include "services/file-ingest/repair.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "services/file-ingest/segment_codec.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hash.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

bool HashMatches(std::string_view bytes, const std::string& shard_id) {
  auto hash = crypto::Sha256(bytes);
  return hash.ok() && crypto::HexEncode(crypto::AsStringView(*hash)) == shard_id;
}

// Sorts the segment's shards by index and splits them into healthy and lost positions; the
// healthy ones on a node that already holds a lower index are returned as crowded. Shards on
// `waiting` nodes count as lost only when the segment has no more than k live shards.
std::vector<int> Classify(SegmentLayout& seg, const std::set<std::string>& up_nodes,
                          const MissingShards& missing, const std::set<std::string>& waiting,
                          RepairTask& task) {
  std::sort(seg.shards.begin(), seg.shards.end(),
            [](const ShardRecord& a, const ShardRecord& b) { return a.index < b.index; });
  std::vector<int> crowded, awaited;
  std::set<std::string> holding;
  for (int i = 0; i < static_cast<int>(seg.shards.size()); ++i) {
    const ShardRecord& s = seg.shards[i];
    if (up_nodes.count(s.node.id) == 0 && waiting.count(s.node.id)) {
      awaited.push_back(i);
    } else if (up_nodes.count(s.node.id) == 0 || missing.count({s.node.id, s.shard_id})) {
      task.lost.push_back(i);
    } else if (!holding.insert(s.node.id).second) {
      crowded.push_back(i);
    } else {
      task.healthy.push_back(i);
    }
  }
  if (task.healthy.size() + crowded.size() <= static_cast<size_t>(seg.data_shards)) {
    task.lost.insert(task.lost.end(), awaited.begin(), awaited.end());
    std::sort(task.lost.begin(), task.lost.end());
  }
  return crowded;
}

}  // namespace

bool NearerToLoss(const RepairTask& a, const RepairTask& b) {
  return std::forward_as_tuple(a.live_shards(), a.segment.content_id, a.segment.segment_index) <
         std::forward_as_tuple(b.live_shards(), b.segment.content_id, b.segment.segment_index);
}

std::vector<RepairTask> PlanRepairs(std::vector<SegmentLayout> segments,
                                    const std::set<std::string>& up_nodes,
                                    const MissingShards& missing,
                                    const std::set<std::string>& waiting) {
  std::vector<RepairTask> tasks;
  for (SegmentLayout& seg : segments) {
    RepairTask task;
    const std::vector<int> crowded = Classify(seg, up_nodes, missing, waiting, task);
    std::set<std::string> used;
    for (const ShardRecord& s : seg.shards) used.insert(s.node.id);
    size_t free_nodes = 0;
    for (const std::string& node : up_nodes) free_nodes += used.count(node) ? 0 : 1;
    // Lost shards take free nodes first; crowded ones move only where room is left, and the
    // rest stay (still readable) as they are.
    const size_t room = free_nodes > task.lost.size() ? free_nodes - task.lost.size() : 0;
    task.relocations = std::min(room, crowded.size());
    task.lost.insert(task.lost.end(), crowded.begin(), crowded.begin() + task.relocations);
    task.healthy.insert(task.healthy.end(), crowded.begin() + task.relocations, crowded.end());
    std::sort(task.healthy.begin(), task.healthy.end());
    if (task.lost.empty()) continue;
    task.segment = std::move(seg);
    tasks.push_back(std::move(task));
  }
  std::stable_sort(tasks.begin(), tasks.end(), NearerToLoss);
  return tasks;
}

absl::StatusOr<const erasure::ErasureCodec*> SegmentRepairer::CodecFor(const SegmentLayout& seg) {
  // The codec the segment was written with (Jerasure or ISA-L), whatever new uploads use.
  absl::StatusOr<const erasure::ErasureCodec*> codec =
      erasure::SharedCodecForId(seg.codec_id, seg.data_shards, seg.parity_shards);
  if (!codec.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("segment written with erasure codec \"", seg.codec_id,
                     "\", which cannot be used here: ", codec.status().message()));
  }
  return *codec;
}

// Away from every node the segment uses (healthy or not), so it keeps its spread. When the
// network has too few other nodes (e.g. exactly k + m nodes with one down), dht places without
// exclusions: a rebuilt shard may then sit beside a healthy one of its segment, or go back to
// the node that lost it -- k + m shards on live nodes beat waiting for a new node, and a later
// pass moves the crowded shard once a node the segment does not use is up. A spread-only task
// never falls back: crowding another node would gain nothing.
absl::StatusOr<std::vector<NodeRef>> SegmentRepairer::PlaceLost(const RepairTask& task) {
  const SegmentLayout& seg = task.segment;
  std::vector<std::string> exclude;
  for (const ShardRecord& s : seg.shards) {
    if (!s.node.id.empty()) exclude.push_back(s.node.id);  // a missing shard has no node
  }
  const int n = static_cast<int>(task.lost.size());
  const std::string& key = seg.shards.front().shard_id;
  auto nodes = placement_.Place(key, n, seg.shard_size, exclude, /*allow_fewer=*/false);
  if (!nodes.ok() && !task.spread_only() &&
      (absl::IsUnavailable(nodes.status()) || absl::IsFailedPrecondition(nodes.status()))) {
    nodes = placement_.Place(key, n, seg.shard_size, {}, /*allow_fewer=*/false);
  }
  if (nodes.ok() && static_cast<int>(nodes->size()) != n) {
    return absl::UnavailableError("too few storage nodes to place rebuilt shards");
  }
  return nodes;
}

absl::StatusOr<std::vector<ShardRecord>> SegmentRepairer::Rebuild(const RepairTask& task) {
  const SegmentLayout& seg = task.segment;
  ASSIGN_OR_RETURN(const erasure::ErasureCodec* codec, CodecFor(seg));
  const int n = codec->total_shards();
  if (static_cast<int>(seg.shards.size()) != n) {
    return absl::FailedPreconditionError("segment does not list k + m shards");
  }
  ShardBlock block(n, seg.shard_size);
  std::vector<bool> present(n, false);
  int have = 0;
  // Healthy shards and the crowded ones about to move are all readable sources.
  std::vector<int> sources = task.healthy;
  sources.insert(sources.end(), task.lost.end() - static_cast<std::ptrdiff_t>(task.relocations),
                 task.lost.end());
  std::sort(sources.begin(), sources.end());
  for (int pos : sources) {  // ascending shard index: data shards first
    if (have == codec->data_shards()) break;
    const ShardRecord& s = seg.shards[pos];
    std::span<uint8_t> out(block.shard(s.index), seg.shard_size);
    if (!shards_.GetInto(s.node, s.shard_id, out).ok()) continue;
    if (!HashMatches(block.shard_view(s.index), s.shard_id)) continue;
    present[s.index] = true;
    ++have;
  }
  if (have < codec->data_shards()) {
    return absl::DataLossError("fewer than k healthy shards are readable");
  }
  std::vector<uint8_t*> ptrs(n);
  for (int i = 0; i < n; ++i) ptrs[i] = block.shard(i);
  std::unique_ptr<bool[]> flags(new bool[n]);
  for (int i = 0; i < n; ++i) flags[i] = present[i];
  RETURN_IF_ERROR(codec->Decode(ptrs, std::span<const bool>(flags.get(), n), seg.shard_size));
  ASSIGN_OR_RETURN(std::vector<NodeRef> nodes, PlaceLost(task));
  std::vector<ShardRecord> rebuilt;
  for (size_t i = 0; i < task.lost.size(); ++i) {
    const ShardRecord& old = seg.shards[task.lost[i]];
    std::string_view bytes = block.shard_view(old.index);
    if (!HashMatches(bytes, old.shard_id)) {
      return absl::InternalError(absl::StrCat("rebuilt shard ", old.index, " does not match"));
    }
    ShardRecord rec{old.index, old.shard_id, nodes[i]};
    RETURN_IF_ERROR(shards_.Put(rec.node, rec.shard_id, bytes));
    rebuilt.push_back(std::move(rec));
  }
  return rebuilt;
}

}  // namespace datamesh::file_ingest
