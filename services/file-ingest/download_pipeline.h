// Download side of the pipeline: reads segments back from storage nodes and streams a byte
// range of a file.
//
// SegmentReader fetches any k shards of a segment (data shards first; parity when a node is
// down, times out, or is slower than the read grace while the shards read plus those untried
// still make k without it), decodes, decrypts (the tag proves the bytes; the AAD check rejects
// moved, replayed or truncated segments) and decompresses. A segment that fails to open is read
// once more with every shard checked against its id (SHA-256), parity standing in for a bad one.
// StreamRange reads the segments a range touches with up to `prefetch_segments` reads running ahead
// of the one being sent, so memory stays bounded. Segment reads run on the reader's segment pool,
// their shard reads on its shard I/O pool (worker_pool.h), so no thread is started per segment or
// shard.
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
#include "services/file-ingest/segment_budget.h"
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
  // With `budget` (which must outlive the reader), StreamRange charges every segment it reads
  // ahead against it (segment_budget.h).
  SegmentReader(const erasure::ErasureCodec& codec, ShardStore& shards,
                const ContentRecord& content, const crypto::SecretBytes& data_key,
                uint64_t segment_count, absl::Duration read_grace = absl::InfiniteDuration(),
                TransferPools* pools = nullptr, SegmentBudget* budget = nullptr)
      : codec_(codec),
        shards_(shards),
        content_(content),
        data_key_(data_key),
        segment_count_(segment_count),
        read_grace_(read_grace),
        pools_(pools != nullptr ? *pools : TransferPools::Shared()),
        budget_(budget) {}

  TransferPools& pools() const { return pools_; }
  SegmentBudget* budget() const { return budget_; }
  // Memory a read of `segment` holds until its bytes are sent: its k + m shard block, and the
  // decompressed plaintext when it is compressed.
  uint64_t MemoryFor(const SegmentRecord& segment) const;

  // The segment's plaintext. DATA_LOSS when fewer than k shards are readable and verified, or
  // when the segment fails authentication (or decompresses to the wrong size).
  [[nodiscard]] absl::StatusOr<std::string> Read(const SegmentRecord& segment) const;
  // Read without the copy: the plaintext in the pooled block it was opened in.
  [[nodiscard]] absl::StatusOr<PlainSegment> ReadPooled(const SegmentRecord& segment) const;

 private:
  // One attempt: shards hashed against their ids only when `verify_shards`. Sets
  // `*open_failed` when the gathered segment failed to open (a shard may be corrupt).
  absl::StatusOr<PlainSegment> ReadOnce(const SegmentRecord& segment, bool verify_shards,
                                        bool* open_failed) const;

  const erasure::ErasureCodec& codec_;
  ShardStore& shards_;
  const ContentRecord& content_;
  const crypto::SecretBytes& data_key_;
  const uint64_t segment_count_;
  const absl::Duration read_grace_;
  TransferPools& pools_;
  SegmentBudget* const budget_;
};

// Receives the next bytes of the response, in order.
using ChunkSink = std::function<absl::Status(std::string_view)>;

// Streams bytes [offset, offset + length) of a segmented content to `sink` in pieces of at
// most `max_chunk` bytes. DATA_LOSS before any byte is sent when the segment list is not
// 0, 1, ... in order or its sizes do not add up to the content's; each segment's tag then
// proves its bytes and its place in that list.
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
