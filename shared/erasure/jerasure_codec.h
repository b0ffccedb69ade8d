// Jerasure backend of ErasureCodec: systematic Reed-Solomon with Jerasure's Vandermonde coding
// matrix over GF(2^8) (reed_sol_vandermonde_coding_matrix, w = 8), id "jerasure-rs-vand-w8".
//
// Encoding uses jerasure_matrix_encode. Decoding inverts the survivors' rows
// (jerasure_make_decoding_matrix) and computes only the requested shards with
// jerasure_matrix_dotprod, the steps jerasure_matrix_decode takes, so rebuilding the data of a
// segment does not also pay for re-encoding lost parity.
//
// Ownership: the codec owns its coding matrix (allocated by Jerasure, released with free()).
// Thread safety: Encode/Decode may run concurrently on one codec. Jerasure's matrix routines
// read the coding matrix and the GF(2^8) field without writing them (their decode scratch is
// allocated per call); the one piece of shared mutable state is the process-wide field, which
// Jerasure creates lazily and racily on first use, so Create() builds it once, under
// std::call_once, before any codec can run.
#pragma once

#include <cstdlib>
#include <memory>

#include "absl/status/statusor.h"
#include "shared/erasure/erasure_codec.h"

namespace datamesh::erasure {

class JerasureCodec final : public ErasureCodec {
 public:
  static constexpr std::string_view kId = "jerasure-rs-vand-w8";

  // INVALID_ARGUMENT for a bad shape (ValidateShape); INTERNAL if Jerasure cannot allocate.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<JerasureCodec>> Create(int k, int m);

  std::string_view id() const override { return kId; }

 private:
  struct FreeDeleter {
    void operator()(int* p) const { std::free(p); }
  };
  using Matrix = std::unique_ptr<int, FreeDeleter>;

  JerasureCodec(int k, int m, Matrix matrix);

  void EncodeShards(const uint8_t* const* data, uint8_t* const* parity,
                    size_t shard_size) const override;
  absl::Status RebuildShards(uint8_t* const* shards, std::span<const int> survivors,
                             std::span<const int> targets, size_t shard_size) const override;

  // m x k, row-major; Jerasure takes it as a non-const int* but only reads it. Null if m == 0.
  const Matrix matrix_;
};

}  // namespace datamesh::erasure
