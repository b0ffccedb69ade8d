#include "services/file-ingest/byte_range.h"

#include <algorithm>

namespace datamesh::file_ingest {

std::vector<SegmentSlice> SlicesForRange(const std::vector<uint64_t>& segment_sizes,
                                         uint64_t offset, uint64_t length) {
  std::vector<SegmentSlice> out;
  const uint64_t end = offset + length;
  uint64_t start = 0;  // file offset of the current segment
  for (uint64_t i = 0; i < segment_sizes.size() && start < end; ++i) {
    const uint64_t seg_end = start + segment_sizes[i];
    if (seg_end > offset && segment_sizes[i] > 0) {
      uint64_t b = std::max(offset, start) - start;
      uint64_t e = std::min(end, seg_end) - start;
      if (e > b) out.push_back({i, b, e});
    }
    start = seg_end;
  }
  return out;
}

}  // namespace datamesh::file_ingest
