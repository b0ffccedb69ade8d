#include "services/file-ingest/segmenter.h"

#include <algorithm>

#include "shared/status/status.h"

namespace datamesh::file_ingest {

Segmenter::Segmenter(size_t segment_bytes, Sink sink)
    : segment_bytes_(segment_bytes), sink_(std::move(sink)) {}

absl::Status Segmenter::Append(std::string_view data) {
  bytes_seen_ += data.size();
  while (!data.empty()) {
    if (buffer_.size() == segment_bytes_) {
      // More bytes follow, so the held segment is not the last one.
      std::string full = std::move(buffer_);
      buffer_ = std::string();
      RETURN_IF_ERROR(sink_(std::move(full), next_index_++, false));
    }
    if (buffer_.capacity() < segment_bytes_) buffer_.reserve(segment_bytes_);
    size_t take = std::min(data.size(), segment_bytes_ - buffer_.size());
    buffer_.append(data.data(), take);
    data.remove_prefix(take);
  }
  return absl::OkStatus();
}

absl::Status Segmenter::Finish() {
  std::string last = std::move(buffer_);
  buffer_ = std::string();
  return sink_(std::move(last), next_index_++, true);
}

}  // namespace datamesh::file_ingest
