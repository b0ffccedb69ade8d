// UploadDurability: how far an upload is from durable, for its upload.progress events: shards
// their nodes acknowledged out of the segments x (k + m) the file will have, and segments whose
// every shard was acknowledged. A browser shows it as a second bar beside the bytes sent.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "services/file-ingest/manifest.h"

namespace datamesh::file_ingest {

struct UploadDurability {
  uint64_t shards_placed = 0;
  uint64_t shards_total = 0;
  uint64_t segments_durable = 0;
  uint64_t segments_total = 0;
};

// Segments a file of `size` bytes is cut into: none when it fits in its manifest (at most
// `inline_max_bytes`), else one per started `segment_bytes`.
inline uint64_t ExpectedSegments(uint64_t size, uint64_t segment_bytes, uint64_t inline_max_bytes) {
  if (size <= inline_max_bytes || segment_bytes == 0) return 0;
  return (size + segment_bytes - 1) / segment_bytes;
}

// Counts the acknowledged (kStored) shards of `collected`. The totals come from
// `expected_segments` when the size is known, else from the segments collected so far; never
// fewer than collected (a declared size that was wrong must not show more than 100 %).
inline UploadDurability CountDurability(const std::vector<SegmentRecord>& collected,
                                        std::optional<uint64_t> expected_segments,
                                        uint32_t shards_per_segment) {
  UploadDurability d;
  for (const SegmentRecord& seg : collected) {
    uint64_t placed = 0;
    for (const ShardRecord& shard : seg.shards) {
      if (shard.state == ShardState::kStored) ++placed;
    }
    d.shards_placed += placed;
    if (placed == shards_per_segment) ++d.segments_durable;
  }
  d.segments_total = collected.size();
  if (expected_segments.has_value() && *expected_segments > d.segments_total) {
    d.segments_total = *expected_segments;
  }
  d.shards_total = d.segments_total * shards_per_segment;
  return d;
}

}  // namespace datamesh::file_ingest
