// Stripe audits: whether the same byte range read from every shard of a segment is still one
// erasure codeword, and if not, which shard is the odd one out.
//
// Reed-Solomon over GF(2^8) (both backends, erasure_codec.h) codes each byte position on its
// own: byte j of every parity shard is a function of byte j of the data shards only. So the
// bytes [offset, offset + L) of all k + m shards of a segment are themselves a codeword of
// length L, and an auditor can check a few KiB per shard instead of whole shards -- without
// the data key and without trusting any node: a node cannot answer a stripe that agrees with
// the others unless it holds the bytes.
//
//   shard:     0      1      2      3      4(P)   5(P)
//   stripe: [ d0 ] [ d1 ] [ d2 ] [ d3 ] [ p0 ] [ p1 ]   each L bytes at the same offset
//   check:  decode from k of them, recompute the rest, compare.
//
// With r present stripes (r > k) the check detects any single wrong stripe. To name it, each
// present stripe in turn is left out and the rest checked again: when exactly one exclusion
// makes the rest agree (needs r - 1 > k, i.e. m >= 2 with all shards present), that shard is
// the culprit. With m = 1 a wrong stripe is detected but nobody can be blamed.
//
// Thread-safe: free functions over caller-owned data.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "shared/erasure/erasure_codec.h"

namespace datamesh::file_ingest {

struct StripeVerdict {
  // More than k stripes were present, so something could be checked.
  bool checked = false;
  // Every present stripe belongs to one codeword.
  bool consistent = false;
  // The shard whose stripe alone disagrees; -1 when consistent or when it cannot be told.
  int culprit = -1;
};

// `stripes` has k + m entries (nullopt: not read), every present one of the same length L, a
// positive multiple of codec.ShardSize(1). INVALID_ARGUMENT otherwise.
[[nodiscard]] absl::StatusOr<StripeVerdict> CheckStripes(
    const erasure::ErasureCodec& codec, std::span<const std::optional<std::string>> stripes);

// The stripe to read from shards of `shard_size` bytes: offset and length, the length
// min(`wanted`, shard_size) rounded down to the codec's granularity (at least one granule),
// the offset a multiple of the granularity drawn from `random` (any 64-bit value).
struct StripeRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};
StripeRange ChooseStripe(const erasure::ErasureCodec& codec, uint64_t shard_size, uint64_t wanted,
                         uint64_t random);

}  // namespace datamesh::file_ingest
