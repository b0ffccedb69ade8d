#include "shared/erasure/jerasure_codec.h"

#include <mutex>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "shared/erasure/vector_state.h"

// jerasure.h includes galois.h, which includes gf_complete.h outside any extern "C"; we call
// no gf_* function directly, so no wrapping is needed here.
#include <jerasure.h>
#include <reed_sol.h>

namespace datamesh::erasure {
namespace {

constexpr int kWordBits = 8;
// Jerasure needs sizes that are multiples of sizeof(long); gf-complete's SIMD region multiply
// works in 16-byte blocks and aborts unless source and destination agree modulo 16. Shards that
// are 16-aligned multiples of 16 satisfy both and stay entirely on the vector path.
constexpr size_t kJerasureGranularity = 16;
static_assert(kJerasureGranularity % sizeof(long) == 0 &&
              kJerasureGranularity % kBufferAlignment == 0);

// Jerasure keeps one global field per word size and builds it on first use without locking:
// two threads racing there could see a half-built field. Build it once, before any coding.
absl::Status InitField() {
  static std::once_flag once;
  static int result = 0;
  std::call_once(once, [] { result = galois_init_default_field(kWordBits); });
  if (result != 0) {
    return absl::InternalError(absl::StrCat("galois_init_default_field(8) failed: ", result));
  }
  return absl::OkStatus();
}

using PointerArray = absl::InlinedVector<char*, 32>;

}  // namespace

absl::StatusOr<std::unique_ptr<JerasureCodec>> JerasureCodec::Create(int k, int m) {
  if (absl::Status s = ValidateShape(k, m); !s.ok()) return s;
  if (absl::Status s = InitField(); !s.ok()) return s;
  Matrix matrix;
  if (m > 0) {
    matrix.reset(reed_sol_vandermonde_coding_matrix(k, m, kWordBits));
    if (matrix == nullptr) {
      return absl::InternalError(
          absl::StrCat("reed_sol_vandermonde_coding_matrix(", k, ", ", m, ", 8) failed"));
    }
  }
  return std::unique_ptr<JerasureCodec>(new JerasureCodec(k, m, std::move(matrix)));
}

JerasureCodec::JerasureCodec(int k, int m, Matrix matrix)
    : ErasureCodec(k, m, kJerasureGranularity), matrix_(std::move(matrix)) {}

void JerasureCodec::EncodeShards(const uint8_t* const* data, uint8_t* const* parity,
                                 size_t shard_size) const {
  // Jerasure's char** parameters are not const-qualified, but data is only read.
  PointerArray data_ptrs, coding_ptrs;
  for (int i = 0; i < data_shards(); ++i) {
    data_ptrs.push_back(reinterpret_cast<char*>(const_cast<uint8_t*>(data[i])));
  }
  for (int i = 0; i < parity_shards(); ++i)
    coding_ptrs.push_back(reinterpret_cast<char*>(parity[i]));
  internal::ClearUpperVectorState();
  jerasure_matrix_encode(data_shards(), parity_shards(), kWordBits, matrix_.get(), data_ptrs.data(),
                         coding_ptrs.data(), static_cast<int>(shard_size));
}

absl::Status JerasureCodec::RebuildShards(uint8_t* const* shards, std::span<const int> survivors,
                                          std::span<const int> targets, size_t shard_size) const {
  const int k = data_shards();
  const int m = parity_shards();
  const int size = static_cast<int>(shard_size);
  PointerArray data_ptrs, coding_ptrs;
  for (int i = 0; i < k; ++i) data_ptrs.push_back(reinterpret_cast<char*>(shards[i]));
  for (int i = k; i < k + m; ++i) coding_ptrs.push_back(reinterpret_cast<char*>(shards[i]));
  internal::ClearUpperVectorState();

  // Data first: parity targets are re-encoded from the complete data shards.
  if (targets.front() < k) {
    // jerasure_make_decoding_matrix uses the first k shards not marked erased; marking every
    // non-survivor makes those exactly `survivors`.
    absl::InlinedVector<int, 32> erased(k + m, 1);
    for (int s : survivors) erased[s] = 0;
    std::vector<int> decoding(static_cast<size_t>(k) * k);
    absl::InlinedVector<int, 32> dm_ids(k);
    if (jerasure_make_decoding_matrix(k, m, kWordBits, matrix_.get(), erased.data(),
                                      decoding.data(), dm_ids.data()) != 0) {
      return absl::InternalError("Jerasure decoding matrix is singular");
    }
    for (int t : targets) {
      if (t >= k) break;
      jerasure_matrix_dotprod(k, kWordBits, &decoding[static_cast<size_t>(t) * k], dm_ids.data(), t,
                              data_ptrs.data(), coding_ptrs.data(), size);
    }
  }
  for (int t : targets) {
    if (t < k) continue;
    jerasure_matrix_dotprod(k, kWordBits, matrix_.get() + static_cast<size_t>(t - k) * k,
                            /*src_ids=*/nullptr, t, data_ptrs.data(), coding_ptrs.data(), size);
  }
  return absl::OkStatus();
}

}  // namespace datamesh::erasure
