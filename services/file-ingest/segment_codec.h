// Segment codec: turns one plaintext segment into k + m erasure-coded shards and back.
//
// Per segment: zstd when it pays (tried only when the segment's first 64 KiB shrink by 10%,
// kept only when the whole compresses below 95% of the plaintext) -> AES-256-GCM under the file's
// data key -> Reed-Solomon k + m. The sealed bytes are written straight into the data-shard region
// of one aligned block and the parity is computed into the same block, so a segment costs one
// allocation and no copy between stages.
//
// Nonce (12 bytes) = the content's random 4-byte prefix || segment index (8 bytes, big
// endian): unique per (data key, segment), since every content has its own random data key.
// AAD = "dm/seg/v1" || len(content id) || content id || index || final flag, so a segment moved
// to another index or file, replayed, or a file cut short (its new last segment was not sealed
// as final) fails to open.
//
// Free functions; thread-safe as long as each thread uses its own AesGcm. Compression and
// decompression reuse one zstd context and output buffer per thread (worker threads live as
// long as the process, so each keeps its contexts).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/crypto/aead.h"
#include "shared/crypto/secret.h"
#include "shared/erasure/erasure_codec.h"

namespace datamesh::file_ingest {

inline constexpr size_t kNoncePrefixSize = 4;

// Where a segment sits in its file: the inputs of its nonce and AAD.
struct SegmentPosition {
  std::string_view content_id;
  std::string_view nonce_prefix;  // kNoncePrefixSize bytes
  uint64_t index = 0;
  bool final = false;
};

std::string SegmentNonce(std::string_view nonce_prefix, uint64_t index);
std::string SegmentAad(std::string_view content_id, uint64_t index, bool final);
// AAD of the ECIES-wrapped data key: binds it to its content and the owner's key version, so a
// wrapped key cannot be moved to another file's manifest or passed off as another version's.
std::string WrappedKeyAad(std::string_view content_id, uint32_t key_version);

// The calling thread's AES-256-GCM context keyed with `key` (created on first use, rekeyed on
// each call): saves a context allocation and cipher lookup per segment. The pointer stays
// valid for the thread's life; the expanded key of the last content stays in it until the next
// call or the thread's end. kInvalidArgument unless `key` is 32 bytes.
[[nodiscard]] absl::StatusOr<crypto::AesGcm*> WorkerCipher(const crypto::SecretBytes& key);

// Whether a content type names bytes that are already compressed (JPEG, PNG, video, audio,
// zip, gzip, ...): zstd is not even tried on them.
bool IsCompressedContentType(std::string_view content_type);

// Bytes of the head of a segment compressed first to decide whether the whole is worth it.
inline constexpr size_t kCompressionSampleBytes = 64 << 10;

// Compresses `plain` with zstd into `*out` when that saves at least 5%; returns whether it did
// (`*out` is then the payload, otherwise untouched and the caller uses `plain`). Inputs over
// twice kCompressionSampleBytes whose first kCompressionSampleBytes do not shrink by 10% are
// not compressed at all (incompressible data then costs a sample, not a whole pass).
[[nodiscard]] absl::StatusOr<bool> MaybeCompress(std::string_view plain, std::string* out);
// Inverse of MaybeCompress for a compressed payload; DATA_LOSS unless it yields exactly
// `plain_size` bytes.
[[nodiscard]] absl::StatusOr<std::string> Decompress(std::string_view payload, size_t plain_size);

// Memory for the k + m shards of a segment: one block, kBufferAlignment-aligned, shard i at
// data() + i * shard_size. Blocks come from and go back to BlockPool::Shared().
class ShardBlock {
 public:
  ShardBlock() = default;
  ShardBlock(int shards, size_t shard_size);
  uint8_t* shard(int i) const { return data_.get() + static_cast<size_t>(i) * shard_size_; }
  std::string_view shard_view(int i) const {
    return {reinterpret_cast<const char*>(shard(i)), shard_size_};
  }
  size_t shard_size() const { return shard_size_; }
  int shards() const { return shards_; }

 private:
  struct Free {
    size_t bytes;  // no initializer: a nested deleter must be default-constructible here
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, Free> data_;
  int shards_ = 0;
  size_t shard_size_ = 0;
};

// A sealed and erasure-coded segment, ready to be written.
struct EncodedSegment {
  ShardBlock block;
  std::vector<std::string> shard_ids;  // SHA-256 hex of each shard
  uint64_t plain_size = 0;
  uint64_t stored_size = 0;  // payload bytes after compression, before the GCM tag
  bool compressed = false;
};

// Compresses (maybe; never when `try_compress` is false), seals and encodes `plain`. The
// plaintext is not hashed: the GCM tag proves each segment on the way out, the shard ids
// find a bad shard, and the file's SHA-256 is computed over the stream by the upload.
[[nodiscard]] absl::StatusOr<EncodedSegment> EncodeSegment(crypto::AesGcm& aead,
                                                           const erasure::ErasureCodec& codec,
                                                           const SegmentPosition& pos,
                                                           std::string_view plain,
                                                           bool try_compress = true);

// Seals a whole small file for inline storage (no erasure coding): compressed flag, sealed
// bytes. Opened by OpenPayload.
struct SealedInline {
  std::string sealed;
  bool compressed = false;
};
[[nodiscard]] absl::StatusOr<SealedInline> SealInline(crypto::AesGcm& aead,
                                                      const SegmentPosition& pos,
                                                      std::string_view plain);

// Opens `sealed` (payload || tag), decompresses when `compressed` and checks the plaintext
// is `plain_size` bytes with SHA-256 `plain_sha256` (hex; skipped when empty). DATA_LOSS on
// any mismatch.
[[nodiscard]] absl::StatusOr<std::string> OpenPayload(crypto::AesGcm& aead,
                                                      const SegmentPosition& pos,
                                                      std::string_view sealed, bool compressed,
                                                      uint64_t plain_size,
                                                      std::string_view plain_sha256);

// A segment's plaintext in pooled memory: the shard block it was decrypted in place in, or a
// pooled block it was decompressed into. Move-only; the view dies with it.
class PlainSegment {
 public:
  PlainSegment() = default;
  PlainSegment(ShardBlock block, std::string_view view) : block_(std::move(block)), view_(view) {}
  std::string_view view() const { return view_; }

 private:
  ShardBlock block_;
  std::string_view view_;
};

// OpenPayload for a sealed payload at the start of `block` (`sealed_size` bytes, tag
// included), decrypted in place: no plaintext string is allocated, and an uncompressed segment
// is not copied at all. Same checks and codes as OpenPayload.
[[nodiscard]] absl::StatusOr<PlainSegment> OpenPayloadInBlock(crypto::AesGcm& aead,
                                                              const SegmentPosition& pos,
                                                              ShardBlock block, size_t sealed_size,
                                                              bool compressed, uint64_t plain_size,
                                                              std::string_view plain_sha256);

}  // namespace datamesh::file_ingest
