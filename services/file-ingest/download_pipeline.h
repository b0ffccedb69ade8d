// Download side of the pipeline: reads segments back from storage nodes and streams a byte
// range of a file.
//
// SegmentReader fetches any k verified shards of a segment (data shards first; parity when a
// node is down, times out, returns bytes whose SHA-256 is not the shard id, or is slower than
// the read grace while the shards read plus those untried still make k without it), decodes,
// decrypts (the AAD check rejects moved, replayed or truncated segments), decompresses and
// checks the segment's hash. StreamRange reads the segments a range touches with up to
// `prefetch_segments` reads running ahead of the one being sent, so memory stays bounded.
// Segment reads run on the reader's segment pool, their shard reads on its shard I/O pool
// (worker_pool.h), so no thread is started per segment or shard.
//
// Thread-safe: Read may run on several threads at once (each call has its own buffers).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/file-ingest/manifest.h"
#include "services/file-ingest/segment_codec.h"
#include "services/file-ingest/shard_backend.h"
#include "services/file-ingest/worker_pool.h"
#include "shared/crypto/secret.h"
#include "shared/erasure/erasure_codec.h"

namespace datamesh::file_ingest {

class SegmentReader {
 public:
  // `content`, `data_key` and `codec` must outlive the reader. A shard read still running
  // `read_grace` after its round started is cancelled and another shard (parity) read instead:
  // a node that accepts connections but answers nothing (stopped, swapping) then costs a read
  // the grace, not the store's whole deadline.
  // Shard reads run on `pools`' shard I/O pool (null: TransferPools::Shared()), which must
  // outlive the reader.
  SegmentReader(const erasure::ErasureCodec& codec, ShardStore& shards,
                const ContentRecord& content, const crypto::SecretBytes& data_key,
                uint64_t segment_count, absl::Duration read_grace = absl::InfiniteDuration(),
                TransferPools* pools = nullptr)
      : codec_(codec),
        shards_(shards),
        content_(content),
        data_key_(data_key),
        segment_count_(segment_count),
        read_grace_(read_grace),
        pools_(pools != nullptr ? *pools : TransferPools::Shared()) {}

  TransferPools& pools() const { return pools_; }

  // The segment's plaintext. DATA_LOSS when fewer than k shards are readable and verified, or
  // when the segment fails authentication or its hash.
  [[nodiscard]] absl::StatusOr<std::string> Read(const SegmentRecord& segment) const;
  // Read without the copy: the plaintext in the pooled block it was opened in.
  [[nodiscard]] absl::StatusOr<PlainSegment> ReadPooled(const SegmentRecord& segment) const;

 private:
  const erasure::ErasureCodec& codec_;
  ShardStore& shards_;
  const ContentRecord& content_;
  const crypto::SecretBytes& data_key_;
  const uint64_t segment_count_;
  const absl::Duration read_grace_;
  TransferPools& pools_;
};

// Receives the next bytes of the response, in order.
using ChunkSink = std::function<absl::Status(std::string_view)>;

// Streams bytes [offset, offset + length) of a segmented content to `sink` in pieces of at
// most `max_chunk` bytes. When the range is the whole content, the content's SHA-256 is checked
// at the end (DATA_LOSS on mismatch, after the bytes were sent: each segment was verified
// already, so this guards the manifest's segment list itself).
[[nodiscard]] absl::Status StreamRange(const SegmentReader& reader, const ContentRecord& content,
                                       const std::vector<SegmentRecord>& segments, uint64_t offset,
                                       uint64_t length, int prefetch_segments, size_t max_chunk,
                                       const ChunkSink& sink);

// The codec to read a segmented content with: the one its manifest records (codec id, k, m),
// whatever codec and shape new uploads use, so every stored file stays readable. Shared, never
// destroyed. INTERNAL when the recorded codec is unknown or this build lacks it.
[[nodiscard]] absl::StatusOr<const erasure::ErasureCodec*> CodecForContent(
    const ContentRecord& content);

// The plaintext of an inline content. DATA_LOSS when it fails authentication or its hash.
[[nodiscard]] absl::StatusOr<std::string> OpenInline(const ContentRecord& content,
                                                     const crypto::SecretBytes& data_key);

}  // namespace datamesh::file_ingest
