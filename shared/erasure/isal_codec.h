// ISA-L backend of ErasureCodec: systematic Reed-Solomon with ISA-L's Cauchy generator matrix
// over GF(2^8) (gf_gen_cauchy1_matrix), id "isal-rs-cauchy". Its parity bytes differ from the
// Jerasure backend's; see erasure_codec.h.
//
// Encoding runs ec_encode_data with tables expanded once per codec. Decoding inverts the
// survivors' rows of the generator matrix and expands tables for the wanted shards; that work
// depends only on the erasure pattern, so its result is cached per pattern (bounded, under a
// mutex). The bulk work runs outside the lock.
//
// Thread safety: Encode/Decode may run concurrently on one codec. ISA-L picks its SIMD variant
// on the first call of ec_encode_data; Create() makes that first call once, under
// std::call_once, so concurrent coding never races on the dispatch.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "shared/erasure/erasure_codec.h"

namespace datamesh::erasure {

class IsalCodec final : public ErasureCodec {
 public:
  static constexpr std::string_view kId = "isal-rs-cauchy";
  // Patterns remembered per codec; RS(4,2) has 21 with losses, RS(10,4) 1470.
  static constexpr size_t kMaxCachedPatterns = 2048;

  // INVALID_ARGUMENT for a bad shape (ValidateShape).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<IsalCodec>> Create(int k, int m);

  std::string_view id() const override { return kId; }

 private:
  using Tables = std::vector<uint8_t>;

  IsalCodec(int k, int m);

  void EncodeShards(const uint8_t* const* data, uint8_t* const* parity,
                    size_t shard_size) const override;
  absl::Status RebuildShards(uint8_t* const* shards, std::span<const int> survivors,
                             std::span<const int> targets, size_t shard_size) const override;

  // Expanded decode tables turning `survivors` into `targets`, from the cache or computed.
  absl::StatusOr<std::shared_ptr<const Tables>> DecodeTables(std::span<const int> survivors,
                                                             std::span<const int> targets) const;
  absl::StatusOr<Tables> ComputeDecodeTables(std::span<const int> survivors,
                                             std::span<const int> targets) const;

  std::vector<uint8_t> generator_;      // (k + m) x k, row-major; top k rows are identity.
  std::vector<uint8_t> encode_tables_;  // ec_init_tables of the bottom m rows: 32 * k * m.

  mutable absl::Mutex mu_;
  // Key: one byte per shard, 'S' survivor, 'T' target, '-' neither.
  mutable absl::flat_hash_map<std::string, std::shared_ptr<const Tables>> decode_cache_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace datamesh::erasure
