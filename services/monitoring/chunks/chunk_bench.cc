// Bytes per sample of the chunk codec on realistic series, and its speed. One chunk holds 120
// samples (30 minutes at a 15 s scrape interval, as Prometheus cuts its chunks).
//
//   chunk_bench --benchmark_min_time=0.2
//
// The bytes_per_sample counter is the figure to read: the sealed chunk's size (header and
// checksum included) divided by its samples. Series are deterministic (fixed seeds).
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "services/monitoring/chunks/chunk_codec.h"

namespace datamesh::monitoring::chunks {
namespace {

constexpr int kSamplesPerChunk = 120;
constexpr int64_t kStartMs = 1'700'000'000'000;
constexpr int64_t kIntervalMs = 15'000;

// Scrape times: every 15 s, each off its tick by up to +-jitter_ms.
std::vector<int64_t> ScrapeTimes(std::mt19937_64& rng, int64_t jitter_ms) {
  std::uniform_int_distribution<int64_t> jitter(-jitter_ms, jitter_ms);
  std::vector<int64_t> t;
  for (int i = 0; i < kSamplesPerChunk; ++i) t.push_back(kStartMs + i * kIntervalMs + jitter(rng));
  return t;
}

enum class Kind { kCounter, kConstant, kGaugeBytes, kGaugeFloat };

std::vector<ChunkSample> MakeSeries(Kind kind, int64_t jitter_ms, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::vector<int64_t> times = ScrapeTimes(rng, jitter_ms);
  std::vector<ChunkSample> out;
  // A request counter at ~20/s (Poisson counts per scrape), a memory gauge moving by whole
  // 4 KiB pages, a load-like float gauge with noise, and an `up`-like constant.
  std::poisson_distribution<int> requests(20.0 * 15);
  std::normal_distribution<double> noise(0, 1);
  double value = kind == Kind::kGaugeBytes ? 2.0e9 : kind == Kind::kGaugeFloat ? 0.5 : 1;
  for (int64_t t : times) {
    switch (kind) {
      case Kind::kCounter: value += requests(rng); break;
      case Kind::kConstant: break;
      case Kind::kGaugeBytes: value += 4096.0 * std::round(noise(rng) * 50); break;
      case Kind::kGaugeFloat: value = std::fabs(0.5 + 0.1 * noise(rng)); break;
    }
    out.push_back({t, value});
  }
  return out;
}

void BM_Encode(benchmark::State& state, Kind kind, int64_t jitter_ms) {
  const std::vector<ChunkSample> series = MakeSeries(kind, jitter_ms, 42);
  size_t bytes = 0;
  for (auto _ : state) {
    ChunkWriter w;
    for (const ChunkSample& s : series) benchmark::DoNotOptimize(w.Append(s.timestamp_ms, s.value));
    bytes = w.Seal().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(state.iterations() * kSamplesPerChunk);
  // Averaged over several differently seeded chunks, so one lucky chunk does not decide it.
  double total = 0;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    ChunkWriter w;
    for (const ChunkSample& s : MakeSeries(kind, jitter_ms, seed)) {
      benchmark::DoNotOptimize(w.Append(s.timestamp_ms, s.value));
    }
    total += static_cast<double>(w.Seal().size());
  }
  state.counters["bytes_per_sample"] = total / (50.0 * kSamplesPerChunk);
}

void BM_Decode(benchmark::State& state) {
  ChunkWriter w;
  for (const ChunkSample& s : MakeSeries(Kind::kCounter, 5, 42)) {
    benchmark::DoNotOptimize(w.Append(s.timestamp_ms, s.value));
  }
  const std::string sealed = w.Seal();
  for (auto _ : state) {
    absl::StatusOr<std::vector<ChunkSample>> decoded = DecodeChunk(sealed);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations() * kSamplesPerChunk);
}

BENCHMARK_CAPTURE(BM_Encode, counter_15s_jitter5ms, Kind::kCounter, 5);
BENCHMARK_CAPTURE(BM_Encode, counter_15s_jitter50ms, Kind::kCounter, 50);
BENCHMARK_CAPTURE(BM_Encode, constant_15s_jitter5ms, Kind::kConstant, 5);
BENCHMARK_CAPTURE(BM_Encode, gauge_bytes_15s_jitter5ms, Kind::kGaugeBytes, 5);
BENCHMARK_CAPTURE(BM_Encode, gauge_float_noise_15s_jitter5ms, Kind::kGaugeFloat, 5);
BENCHMARK_CAPTURE(BM_Encode, counter_15s_exact, Kind::kCounter, 0);
BENCHMARK(BM_Decode);

}  // namespace
}  // namespace datamesh::monitoring::chunks
