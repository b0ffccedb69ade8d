// Throughput of the data-path primitives on 4 MiB buffers (one segment's worth).
// Run by hand: build-*/shared/crypto/crypto_bench --benchmark_min_time=0.5

#include <benchmark/benchmark.h>

#include <cstdint>
#include <span>
#include <string>

#include "shared/crypto/aead.h"
#include "shared/crypto/hash.h"
#include "shared/crypto/random.h"

namespace datamesh::crypto {
namespace {

constexpr size_t kBufferSize = size_t{4} << 20;

void BM_Sha256OneShot(benchmark::State& state) {
  const std::string data = RandomBytes(kBufferSize).value();
  for (auto _ : state) {
    absl::StatusOr<Sha256Digest> digest = Sha256(data);
    benchmark::DoNotOptimize(digest);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBufferSize));
}
BENCHMARK(BM_Sha256OneShot);

void BM_Sha256Hasher64KiBPieces(benchmark::State& state) {
  const std::string data = RandomBytes(kBufferSize).value();
  Sha256Hasher hasher = Sha256Hasher::Create().value();
  for (auto _ : state) {
    for (size_t off = 0; off < data.size(); off += 64 << 10) {
      hasher.Update(std::string_view(data).substr(off, 64 << 10));
    }
    absl::StatusOr<Sha256Digest> digest = hasher.Finish();
    benchmark::DoNotOptimize(digest);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBufferSize));
}
BENCHMARK(BM_Sha256Hasher64KiBPieces);

void BM_AesGcmSealInto(benchmark::State& state) {
  const std::string data = RandomBytes(kBufferSize).value();
  const std::string nonce = RandomBytes(kAesGcmNonceSize).value();
  std::string out(AesGcm::SealedSize(data.size()), '\0');
  AesGcm gcm = AesGcm::Create(RandomBytes(kAesGcmKeySize).value()).value();
  for (auto _ : state) {
    // Reusing the nonce is acceptable only because nothing here is kept or sent.
    absl::Status status = gcm.SealInto(
        nonce, "segment-aad", data, std::span(reinterpret_cast<uint8_t*>(out.data()), out.size()));
    benchmark::DoNotOptimize(status);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBufferSize));
}
BENCHMARK(BM_AesGcmSealInto);

void BM_AesGcmSealString(benchmark::State& state) {
  const std::string data = RandomBytes(kBufferSize).value();
  const std::string nonce = RandomBytes(kAesGcmNonceSize).value();
  AesGcm gcm = AesGcm::Create(RandomBytes(kAesGcmKeySize).value()).value();
  for (auto _ : state) {
    absl::StatusOr<std::string> sealed = gcm.Seal(nonce, "segment-aad", data);
    benchmark::DoNotOptimize(sealed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBufferSize));
}
BENCHMARK(BM_AesGcmSealString);

}  // namespace
}  // namespace datamesh::crypto
