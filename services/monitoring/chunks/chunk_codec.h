// The compressed sample chunk: one series' samples (strictly increasing millisecond timestamps,
// float64 values) in Gorilla style — delta-of-delta timestamps and XOR'd values — plus an exact
// integer path for values that are whole numbers (counters, byte gauges), which XOR codes
// poorly. Each sample is written the cheaper of the two ways.
//
// Sealed layout (all of it covered by the checksum):
//
//   +---------+--------------------+----------------------------+-----------------+
//   | version | sample count       | bit stream, MSB first,     | CRC-32C of all  |
//   | 1 byte  | LEB128 varint      | zero-padded to a byte      | before, 4 B LE  |
//   +---------+--------------------+----------------------------+-----------------+
//
// Bit stream: the first sample as two raw 64-bit words (timestamp, value bits); then per sample
//   timestamp  dod = delta - previous delta (0 before the second sample), zigzagged, in an
//              adaptive Golomb-Rice code (coding_rules.h): q ones, a zero, k low bits — or 16
//              ones, a 7-bit length and the raw delta when q >= 16 or the delta is huge
//   value      after an exact integer (|v| <= 2^53, not -0.0):
//                '0' integer: (v - prev) - (prev - prev2) zigzagged, in its own adaptive Rice code
//                '10' same bits as the previous value    '11' XOR (below)
//              after any other value:  '0' same bits   '1' XOR
//              XOR with the previous value's bits: '0' inside the previous window of meaningful
//              bits | '1' 5-bit leading zeros, 6-bit length - 1; then the bits
//   Each sample takes the cheapest code that can carry it.
//
// Worked example, a counter scraped every 15 s: (1000 ms, 5), (16000, 20), (31000, 35), ...
// Both Rice codes start at k = 3. Sample 2: dod 15000 escapes (16 ones, length 14, 14 bits);
// value '0' (integer), step 15 zigzags to 30: '1110' and 3 bits. Sample 3: dod 0 is '0' and 3
// bits; value '0', step 0 is '0' and 3 bits: 9 bits. As the series stays regular k falls to 0,
// and each sample costs 3 bits.
//
// Bit-exact: NaN payloads (Prometheus' staleness marker) and -0.0 come back as they went in.
// Thread safety: none inside one object; distinct objects are independent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/monitoring/chunks/bit_stream.h"
#include "services/monitoring/chunks/coding_rules.h"

namespace datamesh::monitoring::chunks {

struct ChunkSample {
  int64_t timestamp_ms = 0;
  double value = 0;
  friend bool operator==(const ChunkSample&, const ChunkSample&) = default;
};

// Reads samples from a bit stream written by ChunkWriter.
class ChunkIterator {
 public:
  ChunkIterator(std::string_view bits, size_t bit_count, uint32_t sample_count)
      : reader_(bits, bit_count), remaining_(sample_count) {}

  // Advances to the next sample; false at the end or on corrupt input (then status() says so).
  bool Next();
  const ChunkSample& sample() const { return sample_; }
  const absl::Status& status() const { return status_; }
  // After the last sample: OK when nothing but the last byte's zero padding is left, else
  // DATA_LOSS.
  absl::Status CheckEnd();

 private:
  struct RiceCode {
    uint64_t value = 0;  // the residual, or the escape's payload
    bool escaped = false;
    int k = 0;
  };
  bool Fail(std::string_view what);
  bool ReadRice(const internal::AdaptiveRice& rice, RiceCode* code);
  bool ReadTimestamp();
  bool ReadValue();
  bool ReadIntegerValue();
  bool ReadXorValue();

  BitReader reader_;
  uint32_t remaining_;
  bool first_ = true;
  internal::CoderState state_;
  ChunkSample sample_;
  absl::Status status_;
};

class ChunkWriter {
 public:
  ChunkWriter() = default;

  // Continues a sealed chunk (the head chunk of a series reloaded after a restart). Errors as
  // DecodeChunk.
  static absl::StatusOr<ChunkWriter> Resume(std::string_view sealed);

  // INVALID_ARGUMENT unless `timestamp_ms` is after the last sample's; OUT_OF_RANGE when the
  // chunk already holds kMaxSamples.
  absl::Status Append(int64_t timestamp_ms, double value);

  uint32_t num_samples() const { return count_; }
  // The size Seal() would return now.
  size_t sealed_size() const;
  // Iterates over the samples appended so far; valid until the next Append.
  ChunkIterator Iterate() const { return ChunkIterator(bits_.bytes(), bits_.bit_count(), count_); }
  // The chunk's bytes; the writer stays usable (appending more and sealing again is fine).
  std::string Seal() const;

  static constexpr uint32_t kMaxSamples = 1u << 20;

 private:
  void WriteTimestamp(int64_t timestamp_ms);
  void WriteValue(uint64_t bits);

  BitWriter bits_;
  uint32_t count_ = 0;
  internal::CoderState state_;
};

// A sealed chunk that passed every check in OpenChunk; `bytes` must outlive it.
class SealedChunk {
 public:
  uint32_t num_samples() const { return count_; }
  ChunkIterator Iterate() const { return ChunkIterator(bits_, bit_count_, count_); }

 private:
  friend absl::StatusOr<SealedChunk> OpenChunk(std::string_view bytes);
  std::string_view bits_;
  size_t bit_count_ = 0;
  uint32_t count_ = 0;
};

// Checks a sealed chunk completely — version, checksum, every sample decodable with strictly
// increasing timestamps, nothing but zero padding after the last — without copying it.
// DATA_LOSS for anything corrupt or truncated; the message says what.
absl::StatusOr<SealedChunk> OpenChunk(std::string_view bytes);

// OpenChunk, then every sample.
absl::StatusOr<std::vector<ChunkSample>> DecodeChunk(std::string_view bytes);

}  // namespace datamesh::monitoring::chunks
