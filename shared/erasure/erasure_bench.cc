// Micro-benchmark of the erasure codecs: RS(4,2) on 4 MiB segments (the upload default), one
// thread. Bytes processed count segment bytes, so figures compare with ARCHITECTURE.md §9.
//
//   erasure_bench --benchmark_min_time=0.5
//
// The JerasureTechnique benchmarks call Jerasure directly with techniques the codec does not
// use (Cauchy and Vandermonde bitmatrices run as XOR schedules) to check that the codec's
// choice, reed_sol_vandermonde with jerasure_matrix_encode, is the fastest plain RS available.
#include <benchmark/benchmark.h>
#include <cauchy.h>
#include <jerasure.h>
#include <reed_sol.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "shared/erasure/erasure_codec.h"

namespace datamesh::erasure {
namespace {

constexpr int kK = 4;
constexpr int kM = 2;
constexpr size_t kSegmentBytes = 4 << 20;

// k + m shard buffers, 64-byte aligned, in one allocation; data shards filled with noise.
class Stripe {
 public:
  explicit Stripe(size_t shard_size)
      : shard_size_(shard_size),
        memory_(static_cast<uint8_t*>(std::aligned_alloc(64, shard_size * (kK + kM)))) {
    std::mt19937_64 rng(42);
    for (size_t i = 0; i < shard_size * kK; i += 8) {
      const uint64_t v = rng();
      std::memcpy(memory_.get() + i, &v, 8);
    }
    for (int i = 0; i < kK + kM; ++i) shards_.push_back(memory_.get() + i * shard_size);
  }
  std::vector<uint8_t*>& shards() { return shards_; }
  std::vector<char*> chars(int first, int count) {
    std::vector<char*> out;
    for (int i = first; i < first + count; ++i) out.push_back(reinterpret_cast<char*>(shards_[i]));
    return out;
  }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  size_t shard_size_;
  std::unique_ptr<uint8_t, Free> memory_;
  std::vector<uint8_t*> shards_;
};

std::unique_ptr<ErasureCodec> CodecOrSkip(benchmark::State& state, Backend backend) {
  auto codec = MakeCodec(backend, kK, kM);
  if (!codec.ok()) {
    state.SkipWithError(codec.status().ToString().c_str());
    return nullptr;
  }
  return *std::move(codec);
}

void BM_Encode(benchmark::State& state, Backend backend) {
  auto codec = CodecOrSkip(state, backend);
  if (codec == nullptr) return;
  const size_t shard_size = codec->ShardSize(kSegmentBytes);
  Stripe stripe(shard_size);
  std::vector<const uint8_t*> data(stripe.shards().begin(), stripe.shards().begin() + kK);
  auto parity = std::span(stripe.shards()).subspan(kK);
  for (auto _ : state) {
    if (!codec->Encode(data, parity, shard_size).ok()) state.SkipWithError("encode failed");
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kSegmentBytes);
}
BENCHMARK_CAPTURE(BM_Encode, jerasure, Backend::kJerasure);
BENCHMARK_CAPTURE(BM_Encode, isal, Backend::kIsaL);

// Two lost data shards, the worst case for RS(4,2) and one a download meets when two of the
// nodes holding data shards are down.
void BM_DecodeTwoLostData(benchmark::State& state, Backend backend) {
  auto codec = CodecOrSkip(state, backend);
  if (codec == nullptr) return;
  const size_t shard_size = codec->ShardSize(kSegmentBytes);
  Stripe stripe(shard_size);
  std::vector<const uint8_t*> data(stripe.shards().begin(), stripe.shards().begin() + kK);
  if (!codec->Encode(data, std::span(stripe.shards()).subspan(kK), shard_size).ok()) {
    state.SkipWithError("encode failed");
    return;
  }
  const bool present[kK + kM] = {false, false, true, true, true, true};
  for (auto _ : state) {
    if (!codec->Decode(stripe.shards(), present, shard_size).ok()) {
      state.SkipWithError("decode failed");
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kSegmentBytes);
}
BENCHMARK_CAPTURE(BM_DecodeTwoLostData, jerasure, Backend::kJerasure);
BENCHMARK_CAPTURE(BM_DecodeTwoLostData, isal, Backend::kIsaL);

// Jerasure bitmatrix techniques, encode only; range(0) is the packet size in bytes.
void RunSchedule(benchmark::State& state, int* matrix) {
  const int w = 8;
  const int packet = static_cast<int>(state.range(0));
  const size_t shard_size = kSegmentBytes / kK;  // A multiple of w * packet for every arg.
  int* bitmatrix = jerasure_matrix_to_bitmatrix(kK, kM, w, matrix);
  int** schedule = jerasure_smart_bitmatrix_to_schedule(kK, kM, w, bitmatrix);
  Stripe stripe(shard_size);
  std::vector<char*> data = stripe.chars(0, kK), coding = stripe.chars(kK, kM);
  for (auto _ : state) {
    jerasure_schedule_encode(kK, kM, w, schedule, data.data(), coding.data(),
                             static_cast<int>(shard_size), packet);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kSegmentBytes);
  jerasure_free_schedule(schedule);
  std::free(bitmatrix);
  std::free(matrix);
}

void BM_JerasureTechnique_CauchyGoodSchedule(benchmark::State& state) {
  RunSchedule(state, cauchy_good_general_coding_matrix(kK, kM, 8));
}
BENCHMARK(BM_JerasureTechnique_CauchyGoodSchedule)->Arg(1024)->Arg(4096)->Arg(16384);

void BM_JerasureTechnique_VandermondeSchedule(benchmark::State& state) {
  RunSchedule(state, reed_sol_vandermonde_coding_matrix(kK, kM, 8));
}
BENCHMARK(BM_JerasureTechnique_VandermondeSchedule)->Arg(4096);

// The codec's own technique called bare, to show the codec adds no measurable cost.
void BM_JerasureTechnique_VandermondeMatrix(benchmark::State& state) {
  int* matrix = reed_sol_vandermonde_coding_matrix(kK, kM, 8);
  const size_t shard_size = kSegmentBytes / kK;
  Stripe stripe(shard_size);
  std::vector<char*> data = stripe.chars(0, kK), coding = stripe.chars(kK, kM);
  for (auto _ : state) {
    jerasure_matrix_encode(kK, kM, 8, matrix, data.data(), coding.data(),
                           static_cast<int>(shard_size));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kSegmentBytes);
  std::free(matrix);
}
BENCHMARK(BM_JerasureTechnique_VandermondeMatrix);

}  // namespace
}  // namespace datamesh::erasure
