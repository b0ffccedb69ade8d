// Reed-Solomon erasure coding of upload segments: k data shards + m parity shards, any k of
// which rebuild the segment (ARCHITECTURE.md §3; default k = 4, m = 2).
//
// Stripe layout. A segment of S bytes is cut into k data shards of B = ShardSize(S) bytes each;
// the last data shard(s) are padded with zeros. The codec computes m parity shards of B bytes.
// Shard i is data for i < k and parity for i >= k. The codec never stores S: the caller records
// it (in the manifest) and passes it back to DecodeSegment.
//
//          segment, S bytes (caller records S)
//   +---------------------------------------------------------+
//   |                                                         |
//   +---------------------------------------------------------+
//        |  split                                  |  encode
//        v                                         v
//   +----------+----------+----------+----------+  +----------+----------+
//   |    D0    |    D1    |    D2    | D3  0000 |  |    P0    |    P1    |
//   +----------+----------+----------+----------+  +----------+----------+
//     shard 0    shard 1    shard 2    shard 3       shard 4    shard 5
//     <-- B -->                         ^ zero padding up to B
//
// Worked example, k = 4, m = 2, S = 100, either backend:
//   ShardSize(100) = round_up(ceil(100 / 4), granularity) = round_up(25, 16 or 32) = 32.
//   D0 = bytes [0, 32), D1 = [32, 64), D2 = [64, 96), D3 = [96, 100) + 28 zero bytes.
//   P0 and P1 are 32 bytes each: 6 x 32 = 192 bytes stored for 100 bytes of segment.
//   Lose D1 and P0: Decode() with shards {D0, D2, D3, P1} present rebuilds D1 and P0;
//   DecodeSegment() returns D0 D1 D2 D3 truncated to the recorded S = 100 bytes.
//
// Backends. Both are systematic Reed-Solomon over GF(2^8), so their data shards are the same
// bytes and either decodes to the same segment, but they use different coding matrices
// (Jerasure: Vandermonde; ISA-L: Cauchy), so their PARITY BYTES DIFFER. Shards written by one
// backend must be decoded by the same one: record id() next to the shards and never mix
// backends for the same data.
//
// Buffers. The zero-copy API (Encode, Decode) works on caller-owned shard buffers, each of
// shard_size bytes and starting on a kBufferAlignment boundary (memory from new/malloc does).
// gf-complete, under Jerasure, aborts the process on misaligned buffers, so misalignment is
// rejected with INVALID_ARGUMENT for every backend, which keeps backends interchangeable.
//
// Thread safety: a codec is immutable after creation except for internal caches guarded by a
// mutex; every const method may be called concurrently from several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace datamesh::erasure {

enum class Backend { kJerasure, kIsaL };

// "jerasure" / "isal": for flags, logs and test names.
std::string_view BackendName(Backend backend);

// Every shard buffer handed to Encode/Decode must start on this boundary.
inline constexpr size_t kBufferAlignment = 16;
// GF(2^8) has 256 elements; k + m is capped one below, the bound both backends support.
inline constexpr int kMaxTotalShards = 255;

// OK when k >= 1, m >= 0 and k + m <= kMaxTotalShards; INVALID_ARGUMENT otherwise.
// m = 0 is allowed: plain striping, nothing is recoverable.
[[nodiscard]] absl::Status ValidateShape(int k, int m);

class ErasureCodec {
 public:
  virtual ~ErasureCodec() = default;
  ErasureCodec(const ErasureCodec&) = delete;
  ErasureCodec& operator=(const ErasureCodec&) = delete;

  int data_shards() const { return k_; }
  int parity_shards() const { return m_; }
  int total_shards() const { return k_ + m_; }

  // Names the code (backend, matrix, field), e.g. "jerasure-rs-vand-w8". Store it with the
  // shards: parity is only decodable by a codec with the same id, k and m.
  virtual std::string_view id() const = 0;

  // Bytes per shard for a segment of `segment_bytes`: ceil(segment_bytes / k) rounded up to the
  // backend's granularity (ShardSize(1) is that granularity). ShardSize(0) == 0.
  size_t ShardSize(size_t segment_bytes) const;

  // Computes the m parity shards of `data` (k buffers, only read) into `parity` (m buffers).
  // Every buffer holds shard_size bytes and is kBufferAlignment-aligned. shard_size must be a
  // multiple of ShardSize(1) and at most INT_MAX. INVALID_ARGUMENT on any violation.
  [[nodiscard]] absl::Status Encode(std::span<const uint8_t* const> data,
                                    std::span<uint8_t* const> parity, size_t shard_size) const;

  // Splits and zero-pads `segment` and encodes it: returns k + m shards of
  // ShardSize(segment.size()) bytes each. INVALID_ARGUMENT if the shards would exceed INT_MAX.
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> EncodeSegment(
      std::string_view segment) const;

  // Rebuilds, in place, every shard i with !present[i] (data and parity) from the present
  // ones. `shards` and `present` have k + m entries; every buffer (present or not) follows the
  // Encode rules. Present shards are only read, and at most k of them: the codec cannot detect
  // a corrupt shard (shard hashes do that), so callers pass only verified shards.
  // FAILED_PRECONDITION when fewer than k shards are present: the codec cannot help, but the
  // caller may fetch more shards and retry (once every source is exhausted, the caller reports
  // DATA_LOSS). INVALID_ARGUMENT on malformed arguments.
  [[nodiscard]] absl::Status Decode(std::span<uint8_t* const> shards, std::span<const bool> present,
                                    size_t shard_size) const;

  // Reassembles a segment of `original_size` bytes from k + m optional shards (nullopt =
  // missing). Present shards must be ShardSize(original_size) bytes (else INVALID_ARGUMENT).
  // Only missing data shards are rebuilt. FAILED_PRECONDITION when fewer than k are present.
  [[nodiscard]] absl::StatusOr<std::string> DecodeSegment(
      std::vector<std::optional<std::string>> shards, size_t original_size) const;

  // Which k shards to read given `available` (k + m flags): data shards first, since reading
  // every data shard needs no decoding, then the lowest-numbered parity shards. Ascending.
  // Empty when fewer than k are available or `available` has the wrong size.
  std::vector<int> ShardsNeeded(std::span<const bool> available) const;

 protected:
  // `granularity` (a multiple of kBufferAlignment) is what ShardSize rounds up to.
  ErasureCodec(int k, int m, size_t granularity);

 private:
  // Arguments are validated; shard_size > 0 and m > 0.
  virtual void EncodeShards(const uint8_t* const* data, uint8_t* const* parity,
                            size_t shard_size) const = 0;

  // Writes the shards listed in `targets` from the k shards listed in `survivors` (both
  // ascending, disjoint). `shards` has k + m entries. When a parity shard is a target, every
  // data shard is either a survivor or a target. Arguments are validated; shard_size > 0.
  virtual absl::Status RebuildShards(uint8_t* const* shards, std::span<const int> survivors,
                                     std::span<const int> targets, size_t shard_size) const = 0;

  absl::Status CheckBuffers(std::span<const uint8_t* const> buffers, size_t shard_size,
                            const char* what) const;
  absl::Status Rebuild(std::span<uint8_t* const> shards, std::span<const bool> present,
                       bool data_only, size_t shard_size) const;

  const int k_;
  const int m_;
  const size_t granularity_;
};

// Creates a codec for RS(k, m). INVALID_ARGUMENT for a bad shape (see ValidateShape),
// UNIMPLEMENTED for a backend this build lacks (ISA-L is optional at build time).
[[nodiscard]] absl::StatusOr<std::unique_ptr<ErasureCodec>> MakeCodec(Backend backend, int k,
                                                                      int m);

// Whether this build has `backend` (Jerasure always; ISA-L when libisal was found).
bool HasBackend(Backend backend);
// The codec new data is written with unless configured otherwise: ISA-L when built (several
// times faster), else Jerasure.
Backend DefaultBackend();
// "jerasure" / "isal" (BackendName) -> backend; INVALID_ARGUMENT for any other name,
// UNIMPLEMENTED for a backend this build lacks.
[[nodiscard]] absl::StatusOr<Backend> ParseBackend(std::string_view name);
// The backend whose codecs carry `codec_id` (ErasureCodec::id(), as recorded beside stored
// shards); NOT_FOUND for an id no backend has.
[[nodiscard]] absl::StatusOr<Backend> BackendForId(std::string_view codec_id);

// A codec for shards recorded with `codec_id` and shape k + m, so data stays readable whichever
// codec wrote it: created at the first call for that (id, k, m) and kept for the process's
// life (thread-safe; codecs are immutable and may be shared). NOT_FOUND for an unknown id,
// UNIMPLEMENTED when this build lacks its backend, INVALID_ARGUMENT for a bad shape.
[[nodiscard]] absl::StatusOr<const ErasureCodec*> SharedCodecForId(std::string_view codec_id, int k,
                                                                   int m);

}  // namespace datamesh::erasure
