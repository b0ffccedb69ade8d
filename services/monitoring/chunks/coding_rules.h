// The codes and value rules that ChunkWriter and ChunkIterator must agree on (chunk_codec.h
// draws the format). Internal to the chunks library: nothing outside it may use these names.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace datamesh::monitoring::chunks::internal {

inline constexpr uint8_t kVersion = 1;

// Adaptive Golomb-Rice code of a zigzagged residual z: q = z >> k as q ones and a zero, then
// the k low bits of z. k follows the recent mean of z (as LOCO-I/JPEG-LS chooses it), so jitter
// of a few milliseconds costs a few bits and a noisier series gets a wider k. A quotient of
// kEscapeOnes or more is written as kEscapeOnes ones, a 7-bit length L and an L-bit payload.
inline constexpr int kEscapeOnes = 16;
inline constexpr int kMaxRiceK = 48;

class AdaptiveRice {
 public:
  int k() const {
    int k = 0;
    while (k < kMaxRiceK && (uint64_t{count_} << k) < sum_) ++k;
    return k;
  }
  // Learns from one coded residual; the sum and count halve every 16 so k follows change.
  void Update(uint64_t z) {
    sum_ += std::min<uint64_t>(z, uint64_t{1} << 52);
    if (++count_ >= 16) {
      sum_ >>= 1;
      count_ >>= 1;
    }
  }
  // Bits Rice-coding `z` costs now, escape included.
  int Cost(uint64_t z, int escape_payload_bits) const {
    const int kk = k();
    const uint64_t q = z >> kk;
    return q < kEscapeOnes ? static_cast<int>(q) + 1 + kk : kEscapeOnes + 7 + escape_payload_bits;
  }

 private:
  uint64_t sum_ = 8;  // a prior of k = 3: jitter of a few ms needs no warm-up
  uint32_t count_ = 1;
};

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t z) {
  return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
}
inline int BitLength(uint64_t v) { return v == 0 ? 0 : 64 - __builtin_clzll(v); }

// Whole numbers that a double and an int64 both hold exactly, so v == double(int64(v)). -0.0
// is excluded: as an integer it would come back as +0.0.
inline bool IsExactInteger(double v) {
  constexpr double kLimit = 9007199254740992.0;  // 2^53
  return std::isfinite(v) && v == std::trunc(v) && std::fabs(v) <= kLimit &&
         !(v == 0 && std::signbit(v));
}

inline uint64_t BitsOf(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

inline double DoubleOf(uint64_t bits) {
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

// Timestamp deltas up to INT64_MAX / 2 after a non-negative delta are coded as a
// delta-of-delta, which then cannot overflow; any other delta is written raw (escaped).
inline bool IsCodableDelta(uint64_t delta, int64_t last_delta) {
  return last_delta >= 0 && delta <= static_cast<uint64_t>(INT64_MAX / 2);
}

// What an escaped residual teaches the coder is capped at twice the escape threshold, so one
// outlier (a missed scrape) nudges k up by about one while a series that stays noisy still
// widens k within a few samples.
inline uint64_t LearnedResidual(uint64_t z, int k, bool escaped) {
  return escaped ? std::min(z, uint64_t{kEscapeOnes} << (k + 1)) : z;
}

// What the coder remembers from sample to sample; the same on both sides.
struct CoderState {
  int64_t last_timestamp = 0;
  int64_t last_delta = 0;  // 0 before the second sample
  uint64_t last_value_bits = 0;
  int64_t last_integer_delta = 0;
  bool integer_delta_known = false;  // the last two values were exact integers
  int window_leading = -1;           // XOR window; -1: none yet
  int window_trailing = 0;
  AdaptiveRice timestamp_rice;
  AdaptiveRice integer_rice;
};

}  // namespace datamesh::monitoring::chunks::internal
