#include "shared/erasure/isal_codec.h"

#include <isa-l/erasure_code.h>

#include <algorithm>
#include <array>
#include <mutex>

#include "absl/container/inlined_vector.h"
#include "shared/erasure/vector_state.h"

namespace datamesh::erasure {
namespace {

// ISA-L takes any length, but lengths under 32 bytes run its scalar code; multiples of 32 keep
// every shard on the AVX2 path for a few bytes of padding per segment.
constexpr size_t kIsalGranularity = 32;
static_assert(kIsalGranularity % kBufferAlignment == 0);

// ec_encode_data resolves its CPU-specific variant on first call by patching a function
// pointer; make that call once, single-threaded.
void WarmUpDispatch() {
  static std::once_flag once;
  std::call_once(once, [] {
    constexpr int kLen = 64;
    std::array<uint8_t, kLen> in{}, out{};
    std::array<uint8_t, 32> tables{};
    uint8_t coefficient = 1;
    ec_init_tables(1, 1, &coefficient, tables.data());
    uint8_t* src[] = {in.data()};
    uint8_t* dst[] = {out.data()};
    ec_encode_data(kLen, 1, 1, tables.data(), src, dst);
  });
}

template <typename T>
using ShardVector = absl::InlinedVector<T, 32>;

}  // namespace

absl::StatusOr<std::unique_ptr<IsalCodec>> IsalCodec::Create(int k, int m) {
  if (absl::Status s = ValidateShape(k, m); !s.ok()) return s;
  WarmUpDispatch();
  return std::unique_ptr<IsalCodec>(new IsalCodec(k, m));
}

IsalCodec::IsalCodec(int k, int m)
    : ErasureCodec(k, m, kIsalGranularity),
      generator_(static_cast<size_t>(k + m) * k),
      encode_tables_(32 * static_cast<size_t>(k) * m) {
  // Every square submatrix of a Cauchy matrix is invertible, so any k rows decode, for every
  // shape; ISA-L's Vandermonde generator (gf_gen_rs_matrix) lacks that guarantee.
  gf_gen_cauchy1_matrix(generator_.data(), k + m, k);
  if (m > 0) ec_init_tables(k, m, &generator_[static_cast<size_t>(k) * k], encode_tables_.data());
}

void IsalCodec::EncodeShards(const uint8_t* const* data, uint8_t* const* parity,
                             size_t shard_size) const {
  // ISA-L's pointer arrays are not const-qualified, but sources and tables are only read.
  ec_encode_data(static_cast<int>(shard_size), data_shards(), parity_shards(),
                 const_cast<uint8_t*>(encode_tables_.data()), const_cast<uint8_t**>(data),
                 const_cast<uint8_t**>(parity));
  internal::ClearUpperVectorState();
}

absl::Status IsalCodec::RebuildShards(uint8_t* const* shards, std::span<const int> survivors,
                                      std::span<const int> targets, size_t shard_size) const {
  auto tables = DecodeTables(survivors, targets);
  if (!tables.ok()) return tables.status();
  ShardVector<uint8_t*> sources, outputs;
  for (int s : survivors) sources.push_back(shards[s]);
  for (int t : targets) outputs.push_back(shards[t]);
  // Data and parity targets are all expressed over the survivors, so one pass writes them all.
  ec_encode_data(static_cast<int>(shard_size), data_shards(), static_cast<int>(targets.size()),
                 const_cast<uint8_t*>((*tables)->data()), sources.data(), outputs.data());
  internal::ClearUpperVectorState();
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const IsalCodec::Tables>> IsalCodec::DecodeTables(
    std::span<const int> survivors, std::span<const int> targets) const {
  std::string key(static_cast<size_t>(total_shards()), '-');
  for (int s : survivors) key[s] = 'S';
  for (int t : targets) key[t] = 'T';
  {
    absl::MutexLock lock(&mu_);
    if (auto it = decode_cache_.find(key); it != decode_cache_.end()) return it->second;
  }
  // Computed outside the lock: two threads may both compute a new pattern; both results are
  // equal and the first insert wins.
  auto computed = ComputeDecodeTables(survivors, targets);
  if (!computed.ok()) return computed.status();
  auto tables = std::make_shared<const Tables>(*std::move(computed));
  absl::MutexLock lock(&mu_);
  if (decode_cache_.size() < kMaxCachedPatterns) decode_cache_.try_emplace(key, tables);
  return tables;
}

absl::StatusOr<IsalCodec::Tables> IsalCodec::ComputeDecodeTables(
    std::span<const int> survivors, std::span<const int> targets) const {
  const size_t k = static_cast<size_t>(data_shards());
  // survivors_rows * data = survivor shards, so data = inverse * survivor shards.
  std::vector<uint8_t> survivor_rows(k * k), inverse(k * k);
  for (size_t r = 0; r < k; ++r) {
    std::copy_n(&generator_[static_cast<size_t>(survivors[r]) * k], k, &survivor_rows[r * k]);
  }
  if (gf_invert_matrix(survivor_rows.data(), inverse.data(), static_cast<int>(k)) != 0) {
    return absl::InternalError("ISA-L decode matrix is singular");
  }
  // Row for target t over the survivors: generator row t times the inverse (for a data target
  // that is simply row t of the inverse, as generator row t is a unit vector).
  std::vector<uint8_t> rows(targets.size() * k);
  for (size_t i = 0; i < targets.size(); ++i) {
    const uint8_t* g = &generator_[static_cast<size_t>(targets[i]) * k];
    for (size_t c = 0; c < k; ++c) {
      uint8_t sum = 0;
      for (size_t j = 0; j < k; ++j) sum ^= gf_mul(g[j], inverse[j * k + c]);
      rows[i * k + c] = sum;
    }
  }
  Tables tables(32 * k * targets.size());
  ec_init_tables(static_cast<int>(k), static_cast<int>(targets.size()), rows.data(), tables.data());
  return tables;
}

}  // namespace datamesh::erasure
