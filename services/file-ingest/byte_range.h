// Maps a byte range of a file onto the segments it touches. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

namespace datamesh::file_ingest {

// The part of one segment a range covers: bytes [begin, end) of segment `index`.
struct SegmentSlice {
  uint64_t index = 0;
  uint64_t begin = 0;
  uint64_t end = 0;
  bool operator==(const SegmentSlice&) const = default;
};

// Slices of the range [offset, offset + length) over segments of the given plaintext sizes
// (every segment but the last has the same size in practice, but any sizes work). The range
// must lie within the file; empty segments and empty ranges give no slices.
std::vector<SegmentSlice> SlicesForRange(const std::vector<uint64_t>& segment_sizes,
                                         uint64_t offset, uint64_t length);

}  // namespace datamesh::file_ingest
