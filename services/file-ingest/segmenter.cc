#include "services/file-ingest/segmenter.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "shared/status/status.h"

namespace datamesh::file_ingest {

Segmenter::Segmenter(size_t segment_bytes, Sink sink)
    : segment_bytes_(segment_bytes), sink_(std::move(sink)) {}

absl::Status Segmenter::Append(std::string_view data) {
  bytes_seen_ += data.size();
  while (!data.empty()) {
    if (filled_ == segment_bytes_) {
      // More bytes follow, so the held segment is not the last one.
      RETURN_IF_ERROR(Emit(false));
    }
    if (buffer_.shards() == 0) buffer_ = ShardBlock(1, segment_bytes_);
    size_t take = std::min(data.size(), segment_bytes_ - filled_);
    std::memcpy(buffer_.shard(0) + filled_, data.data(), take);
    filled_ += take;
    data.remove_prefix(take);
  }
  return absl::OkStatus();
}

absl::Status Segmenter::Finish() { return Emit(true); }

absl::Status Segmenter::Emit(bool final) {
  const std::string_view bytes = pending();
  ShardBlock block = std::exchange(buffer_, ShardBlock());
  filled_ = 0;
  return sink_(PlainSegment(std::move(block), bytes), next_index_++, final);
}

}  // namespace datamesh::file_ingest
