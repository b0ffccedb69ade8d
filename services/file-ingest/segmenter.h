// Segmenter: cuts a byte stream of unknown length into fixed-size segments.
//
// It holds at most one segment: a full segment is handed on only when the next byte arrives,
// because only then is it known not to be the last one (the final flag is sealed into every
// segment's AAD). Finish() hands on what is left as the final segment: an empty stream gives
// one empty final segment; a stream of exactly n segments gives n, the last one final.
//
// A segment's bytes live in a block of the process's BlockPool (PlainSegment), not in a fresh
// heap string: with many uploads at once, segment-sized heap strings end up spread over
// malloc's per-thread arenas, which keep the freed memory resident.
//
// Not thread-safe: one per upload.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "services/file-ingest/segment_codec.h"

namespace datamesh::file_ingest {

class Segmenter {
 public:
  // Receives each segment in order with its index and whether it is the last; an error stops
  // the segmenter and is returned by Append/Finish.
  using Sink = std::function<absl::Status(PlainSegment segment, uint64_t index, bool final)>;

  Segmenter(size_t segment_bytes, Sink sink);

  [[nodiscard]] absl::Status Append(std::string_view data);
  [[nodiscard]] absl::Status Finish();

  uint64_t bytes_seen() const { return bytes_seen_; }
  // Segments handed on so far.
  uint64_t segments_emitted() const { return next_index_; }
  // The bytes held, not yet handed on (the inline candidate when nothing was emitted).
  std::string_view pending() const {
    return std::string_view(reinterpret_cast<const char*>(buffer_.shard(0)), filled_);
  }

 private:
  // Hands on the held bytes as segment next_index_ (the buffer goes with them).
  absl::Status Emit(bool final);

  const size_t segment_bytes_;
  Sink sink_;
  ShardBlock buffer_;  // one segment_bytes_ block once the first byte arrives
  size_t filled_ = 0;
  uint64_t next_index_ = 0;
  uint64_t bytes_seen_ = 0;
};

}  // namespace datamesh::file_ingest
