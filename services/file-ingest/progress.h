// ProgressThrottle: decides when a transfer publishes its next upload.progress /
// download.progress event: at most once per `interval` (a few per second, as the contract
// asks) and only when the byte count moved; the final event is always published by the
// caller. Costs one clock read per call, so it can sit in the data path.
//
// Not thread-safe (one per transfer).
#pragma once

#include <cstdint>

#include "absl/time/time.h"

namespace datamesh::file_ingest {

inline constexpr absl::Duration kProgressInterval = absl::Milliseconds(250);

class ProgressThrottle {
 public:
  explicit ProgressThrottle(absl::Duration interval = kProgressInterval) : interval_(interval) {}

  // True when an event for `bytes` should go out at `now` (and records that it did).
  bool ShouldPublish(uint64_t bytes, absl::Time now) {
    if (bytes == last_bytes_ || now - last_ < interval_) return false;
    last_ = now;
    last_bytes_ = bytes;
    return true;
  }

 private:
  const absl::Duration interval_;
  absl::Time last_ = absl::InfinitePast();
  uint64_t last_bytes_ = 0;
};

}  // namespace datamesh::file_ingest
