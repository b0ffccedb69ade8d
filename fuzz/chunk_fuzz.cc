// Fuzz target: the monitoring service's compressed sample chunks
// (services/monitoring/chunks/chunk_codec.h), read back from PostgreSQL where anything that
// can write the database can change them.
//
// Input (binary), first byte & 1 picks the case:
//   0 samples: the first timestamp (8 bytes), a corrupting position (2 bytes), then per sample
//     a delta scale (byte % 4: x1, x1000, x15000, x2^32), the delta - 1 (2 bytes) and a value
//     (byte % 4: an integer from 4 bytes, raw float bits from 8, the previous value, a stale
//     NaN). They are appended, sealed and decoded.
//   1 bytes: the rest is a chunk's version, count and bit stream; the harness appends the
//     right CRC-32C so the decoder itself is reached, not only the checksum.
//
// Invariants: a sealed chunk decodes to exactly the samples appended (values bit for bit,
// NaN payloads and -0.0 included), also after Resume and one more append; any changed byte is
// DATA_LOSS; whatever decodes has strictly increasing timestamps and as many samples as it
// says, and encodes again to the same samples; every refusal is DATA_LOSS.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "services/monitoring/chunks/chunk_codec.h"
#include "services/monitoring/chunks/crc32c.h"

namespace {

namespace chunks = datamesh::monitoring::chunks;
using datamesh::fuzz::FuzzInput;

uint64_t Bits(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  return bits;
}

double FromBits(uint64_t bits) {
  double v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

uint64_t Take(FuzzInput& in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{in.Byte()} << (8 * i);
  return v;
}

bool SameSamples(const std::vector<chunks::ChunkSample>& a,
                 const std::vector<chunks::ChunkSample>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].timestamp_ms != b[i].timestamp_ms || Bits(a[i].value) != Bits(b[i].value)) {
      return false;
    }
  }
  return true;
}

std::vector<chunks::ChunkSample> Decoded(std::string_view sealed) {
  absl::StatusOr<std::vector<chunks::ChunkSample>> samples = chunks::DecodeChunk(sealed);
  FUZZ_CHECK(samples.ok());
  return *std::move(samples);
}

std::string Encode(const std::vector<chunks::ChunkSample>& samples) {
  chunks::ChunkWriter writer;
  for (const chunks::ChunkSample& s : samples) {
    FUZZ_CHECK(writer.Append(s.timestamp_ms, s.value).ok());
  }
  return writer.Seal();
}

void SamplesCase(FuzzInput& in) {
  auto t = static_cast<int64_t>(Take(in, 8));
  const uint16_t corrupt_at = in.U16();
  std::vector<chunks::ChunkSample> appended;
  chunks::ChunkWriter writer;
  double value = 0;
  for (bool first = true;; first = false) {
    if (!first) {
      static constexpr int64_t kScales[] = {1, 1000, 15000, int64_t{1} << 32};
      const int64_t scale = kScales[in.Byte() % 4];
      const int64_t delta = (int64_t{in.U16()} + 1) * scale;
      if (__builtin_add_overflow(t, delta, &t)) break;
    }
    switch (in.Byte() % 4) {
      case 0: value = static_cast<double>(static_cast<int32_t>(Take(in, 4))); break;
      case 1: value = FromBits(Take(in, 8)); break;
      case 2: break;
      case 3: value = FromBits(0x7ff0000000000002); break;  // Prometheus' staleness marker
    }
    // Timestamps only grow, and a chunk takes far more than 4096 samples.
    FUZZ_CHECK(writer.Append(t, value).ok());
    appended.push_back({t, value});
    if (in.empty() || appended.size() >= 4096) break;
  }
  const std::string sealed = writer.Seal();
  FUZZ_CHECK(sealed.size() == writer.sealed_size());
  FUZZ_CHECK(SameSamples(Decoded(sealed), appended));

  // Reloaded after a restart and continued.
  absl::StatusOr<chunks::ChunkWriter> resumed = chunks::ChunkWriter::Resume(sealed);
  FUZZ_CHECK(resumed.ok());
  if (!appended.empty() && appended.back().timestamp_ms < INT64_MAX) {
    FUZZ_CHECK(resumed->Append(appended.back().timestamp_ms + 1, -0.0).ok());
    appended.push_back({appended.back().timestamp_ms + 1, -0.0});
  }
  FUZZ_CHECK(SameSamples(Decoded(resumed->Seal()), appended));

  std::string corrupt = sealed;
  corrupt[corrupt_at % corrupt.size()] ^= static_cast<char>(1 + corrupt_at % 255);
  absl::StatusOr<std::vector<chunks::ChunkSample>> bad = chunks::DecodeChunk(corrupt);
  FUZZ_CHECK(!bad.ok() && bad.status().code() == absl::StatusCode::kDataLoss);
}

void BytesCase(FuzzInput& in) {
  std::string bytes(in.Rest());
  const uint32_t crc = chunks::Crc32c(bytes);
  for (int i = 0; i < 4; ++i) bytes += static_cast<char>(crc >> (8 * i));
  absl::StatusOr<std::vector<chunks::ChunkSample>> samples = chunks::DecodeChunk(bytes);
  if (!samples.ok()) {
    FUZZ_CHECK(samples.status().code() == absl::StatusCode::kDataLoss);
    return;
  }
  absl::StatusOr<chunks::SealedChunk> opened = chunks::OpenChunk(bytes);
  FUZZ_CHECK(opened.ok() && opened->num_samples() == samples->size());
  for (size_t i = 1; i < samples->size(); ++i) {
    FUZZ_CHECK((*samples)[i - 1].timestamp_ms < (*samples)[i].timestamp_ms);
  }
  FUZZ_CHECK(SameSamples(Decoded(Encode(*samples)), *samples));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  if (in.Byte() & 1) {
    BytesCase(in);
  } else {
    SamplesCase(in);
  }
  return 0;
}
