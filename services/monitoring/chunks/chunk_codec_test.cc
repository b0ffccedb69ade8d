#include "services/monitoring/chunks/chunk_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "services/monitoring/chunks/crc32c.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::chunks {
namespace {

using ::datamesh::testing::StatusIs;

uint64_t Bits(double v) {
  uint64_t b;
  std::memcpy(&b, &v, 8);
  return b;
}

double FromBits(uint64_t b) {
  double v;
  std::memcpy(&v, &b, 8);
  return v;
}

// Compares bit patterns, so NaN payloads and -0.0 count.
void ExpectSameSamples(const std::vector<ChunkSample>& got, const std::vector<ChunkSample>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].timestamp_ms, want[i].timestamp_ms) << i;
    EXPECT_EQ(Bits(got[i].value), Bits(want[i].value)) << i << ": " << got[i].value;
  }
}

std::string Encode(const std::vector<ChunkSample>& samples) {
  ChunkWriter w;
  for (const ChunkSample& s : samples) EXPECT_OK(w.Append(s.timestamp_ms, s.value));
  return w.Seal();
}

std::vector<ChunkSample> MixedSeries() {
  const double stale = FromBits(0x7ff0000000000002ull);  // Prometheus' staleness marker
  std::vector<ChunkSample> s = {{std::numeric_limits<int64_t>::min(), 1},
                                {-5, -0.0},
                                {0, 0},
                                {15000, 7},
                                {30001, 9007199254740992.0},
                                {45000, -9007199254740992.0},
                                {45001, std::numeric_limits<double>::infinity()},
                                {60000, stale},
                                {60001, std::numeric_limits<double>::quiet_NaN()},
                                {75000, 0.1},
                                {90000, 0.30000000000000004},
                                {90000 + (int64_t{1} << 40), 1e300},
                                {std::numeric_limits<int64_t>::max() - 1, -1e-300},
                                {std::numeric_limits<int64_t>::max(), 3}};
  return s;
}

TEST(ChunkCodec, RoundTripsEveryKindOfValueAndTimestampBitExactly) {
  const std::vector<ChunkSample> samples = MixedSeries();
  absl::StatusOr<std::vector<ChunkSample>> decoded = DecodeChunk(Encode(samples));
  ASSERT_OK(decoded);
  ExpectSameSamples(*decoded, samples);
}

TEST(ChunkCodec, RoundTripsRandomSeries) {
  std::mt19937_64 rng(1);
  for (int round = 0; round < 200; ++round) {
    std::vector<ChunkSample> samples;
    int64_t t = static_cast<int64_t>(rng() % 2'000'000'000'000);
    double v = static_cast<double>(rng() % 1000);
    for (int i = 0; i < 1 + static_cast<int>(rng() % 300); ++i) {
      t += 1 + static_cast<int64_t>(rng() % (round % 3 == 0 ? 100 : 30000));
      switch (rng() % 5) {
        case 0: break;
        case 1: v += static_cast<double>(rng() % 50); break;
        case 2: v = static_cast<double>(rng() % 1000000) / 7; break;
        case 3: v = FromBits(rng()); break;
        default: v = -v; break;
      }
      samples.push_back({t, v});
    }
    absl::StatusOr<std::vector<ChunkSample>> decoded = DecodeChunk(Encode(samples));
    ASSERT_OK(decoded);
    ExpectSameSamples(*decoded, samples);
  }
}

TEST(ChunkCodec, IteratesTheOpenChunkAndResumesASealedOne) {
  const std::vector<ChunkSample> samples = MixedSeries();
  ChunkWriter w;
  for (size_t i = 0; i < 5; ++i) ASSERT_OK(w.Append(samples[i].timestamp_ms, samples[i].value));
  absl::StatusOr<ChunkWriter> resumed = ChunkWriter::Resume(w.Seal());
  ASSERT_OK(resumed);
  for (size_t i = 5; i < samples.size(); ++i) {
    ASSERT_OK(resumed->Append(samples[i].timestamp_ms, samples[i].value));
  }
  std::vector<ChunkSample> iterated;
  ChunkIterator it = resumed->Iterate();
  while (it.Next()) iterated.push_back(it.sample());
  ASSERT_OK(it.status());
  ExpectSameSamples(iterated, samples);
  EXPECT_EQ(resumed->Seal(), Encode(samples));
  EXPECT_EQ(resumed->sealed_size(), resumed->Seal().size());
}

TEST(ChunkCodec, RefusesTimestampsThatDoNotIncrease) {
  ChunkWriter w;
  ASSERT_OK(w.Append(1000, 1));
  EXPECT_THAT(w.Append(1000, 2), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(w.Append(999, 2), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(w.num_samples(), 1u);
}

TEST(ChunkCodec, EveryTruncationAndEveryBitFlipIsDataLoss) {
  const std::string sealed = Encode(MixedSeries());
  for (size_t len = 0; len < sealed.size(); ++len) {
    EXPECT_THAT(DecodeChunk(sealed.substr(0, len)), StatusIs(absl::StatusCode::kDataLoss)) << len;
  }
  for (size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    std::string flipped = sealed;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_THAT(DecodeChunk(flipped), StatusIs(absl::StatusCode::kDataLoss)) << bit;
  }
  EXPECT_THAT(DecodeChunk(sealed + "x"), StatusIs(absl::StatusCode::kDataLoss));
}

// Garbage that passes the checksum (as a forged chunk would) still decodes to an answer or
// DATA_LOSS, never past the end of the buffer (clean under -fsanitize=address,undefined).
TEST(ChunkCodec, GarbageWithAValidChecksumNeverReadsOutOfBounds) {
  std::mt19937_64 rng(3);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string body = {'\x01', static_cast<char>(1 + rng() % 40)};
    const size_t n = rng() % 48;
    for (size_t i = 0; i < n; ++i) body.push_back(static_cast<char>(rng()));
    const uint32_t crc = Crc32c(body);
    for (int i = 0; i < 4; ++i) body.push_back(static_cast<char>(crc >> (8 * i)));
    absl::StatusOr<std::vector<ChunkSample>> decoded = DecodeChunk(body);
    if (decoded.ok()) {
      ++accepted;
      for (size_t i = 1; i < decoded->size(); ++i) {
        EXPECT_GT((*decoded)[i].timestamp_ms, (*decoded)[i - 1].timestamp_ms);
      }
    } else {
      EXPECT_THAT(decoded, StatusIs(absl::StatusCode::kDataLoss));
    }
  }
  EXPECT_LT(accepted, 20000);
}

TEST(ChunkCodec, ARegularCounterTakesAboutOneBytePerSample) {
  ChunkWriter w;
  for (int i = 0; i < 120; ++i) ASSERT_OK(w.Append(1'700'000'000'000 + i * 15000, 100.0 * i));
  // Once k has shrunk: '0' + k bits for the timestamp, '0' '0' + k bits for the step.
  EXPECT_LE(w.sealed_size(), 120u);
}

TEST(ChunkCodec, TheWorkedExampleOfTheHeaderHolds) {
  ChunkWriter w;
  ASSERT_OK(w.Append(1000, 5));
  ASSERT_OK(w.Append(16000, 20));
  ASSERT_OK(w.Append(31000, 35));
  // 128 bits for the first sample, 37 + 8 for the second, 4 + 5 for the third: 182 bits.
  EXPECT_EQ(w.sealed_size(), 1u + 1u + (182 + 7) / 8 + 4u);
}

TEST(Crc32c, MatchesTheStandardCheckValue) { EXPECT_EQ(Crc32c("123456789"), 0xE3069283u); }

}  // namespace
}  // namespace datamesh::monitoring::chunks
