#include <bit>
#include <limits>

#include "services/monitoring/chunks/chunk_codec.h"
#include "services/monitoring/chunks/coding_rules.h"
#include "services/monitoring/chunks/crc32c.h"

namespace datamesh::monitoring::chunks {
namespace {

using internal::BitsOf;
using internal::DoubleOf;
using internal::IsExactInteger;

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

struct XorPlan {
  int bits = 0;  // cost in bits after the mode prefix
  bool reuse = false;
  int leading = 0;
  int trailing = 0;
};

XorPlan PlanXor(uint64_t x, const internal::CoderState& s) {
  const int leading = std::min(std::countl_zero(x), 31);
  const int trailing = std::countr_zero(x);
  if (s.window_leading >= 0 && leading >= s.window_leading && trailing >= s.window_trailing) {
    return {1 + 64 - s.window_leading - s.window_trailing, true, s.window_leading,
            s.window_trailing};
  }
  return {1 + 5 + 6 + 64 - leading - trailing, false, leading, trailing};
}

void WriteEscape(BitWriter& out, uint64_t payload) {
  out.Write((uint64_t{1} << internal::kEscapeOnes) - 1, internal::kEscapeOnes);
  const int length = internal::BitLength(payload);
  out.Write(static_cast<uint64_t>(length), 7);
  out.Write(payload, length);
}

// Writes z in `rice`'s code (or escaped with `payload`), then teaches `rice` when `learn`.
void WriteRice(BitWriter& out, internal::AdaptiveRice& rice, uint64_t z, uint64_t payload,
               bool learn) {
  const int k = rice.k();
  const uint64_t q = z >> k;
  const bool escaped = q >= internal::kEscapeOnes;
  if (escaped) {
    WriteEscape(out, payload);
  } else {
    out.Write((uint64_t{1} << q) - 1, static_cast<int>(q));
    out.WriteBit(false);
    out.Write(z & ((uint64_t{1} << k) - 1), k);
  }
  if (learn) rice.Update(internal::LearnedResidual(z, k, escaped));
}

}  // namespace

absl::Status ChunkWriter::Append(int64_t timestamp_ms, double value) {
  if (count_ > 0 && timestamp_ms <= state_.last_timestamp) {
    return absl::InvalidArgumentError("sample timestamps must increase within a chunk");
  }
  if (count_ >= kMaxSamples) return absl::OutOfRangeError("chunk is full");
  const uint64_t bits = BitsOf(value);
  if (count_ == 0) {
    bits_.Write(static_cast<uint64_t>(timestamp_ms), 64);
    bits_.Write(bits, 64);
    state_.last_timestamp = timestamp_ms;
    state_.last_value_bits = bits;
  } else {
    WriteTimestamp(timestamp_ms);
    WriteValue(bits);
  }
  ++count_;
  return absl::OkStatus();
}

void ChunkWriter::WriteTimestamp(int64_t timestamp_ms) {
  // Unsigned arithmetic: the delta of two int64 timestamps can exceed INT64_MAX.
  const uint64_t delta =
      static_cast<uint64_t>(timestamp_ms) - static_cast<uint64_t>(state_.last_timestamp);
  if (internal::IsCodableDelta(delta, state_.last_delta)) {
    const uint64_t z = internal::ZigZag(static_cast<int64_t>(delta) - state_.last_delta);
    // The first delta is not a difference of two real deltas: it teaches the coder nothing.
    WriteRice(bits_, state_.timestamp_rice, z, delta, state_.last_delta != 0);
  } else {
    WriteEscape(bits_, delta);
  }
  state_.last_delta = static_cast<int64_t>(delta);
  state_.last_timestamp = timestamp_ms;
}

void ChunkWriter::WriteValue(uint64_t bits) {
  const uint64_t prev_bits = state_.last_value_bits;
  const bool prev_integer = IsExactInteger(DoubleOf(prev_bits));
  const bool integer = prev_integer && IsExactInteger(DoubleOf(bits));
  const int64_t step =
      integer ? static_cast<int64_t>(DoubleOf(bits)) - static_cast<int64_t>(DoubleOf(prev_bits))
              : 0;
  const uint64_t z = internal::ZigZag(step - state_.last_integer_delta);
  constexpr int kNone = 1 << 20;
  // Costs including the mode prefix: after an integer '0' integer, '10' same, '11' XOR;
  // after anything else '0' same, '1' XOR.
  const int integer_cost =
      integer ? 1 + state_.integer_rice.Cost(z, internal::BitLength(z)) : kNone;
  const int same_cost = bits == prev_bits ? (prev_integer ? 2 : 1) : kNone;
  const XorPlan xor_plan = PlanXor(bits ^ prev_bits, state_);
  const int xor_cost = bits != prev_bits ? (prev_integer ? 2 : 1) + xor_plan.bits : kNone;
  if (integer_cost <= same_cost && integer_cost <= xor_cost) {
    bits_.WriteBit(false);
    WriteRice(bits_, state_.integer_rice, z, z, state_.integer_delta_known);
  } else if (same_cost <= xor_cost) {
    if (prev_integer) bits_.WriteBit(true);
    bits_.WriteBit(false);
  } else {
    if (prev_integer) bits_.WriteBit(true);
    bits_.WriteBit(true);
    bits_.WriteBit(!xor_plan.reuse);
    if (!xor_plan.reuse) {
      bits_.Write(static_cast<uint64_t>(xor_plan.leading), 5);
      bits_.Write(static_cast<uint64_t>(63 - xor_plan.leading - xor_plan.trailing), 6);
      state_.window_leading = xor_plan.leading;
      state_.window_trailing = xor_plan.trailing;
    }
    const int width = 64 - state_.window_leading - state_.window_trailing;
    bits_.Write((bits ^ prev_bits) >> state_.window_trailing, width);
  }
  state_.integer_delta_known = integer;
  state_.last_integer_delta = step;
  state_.last_value_bits = bits;
}

size_t ChunkWriter::sealed_size() const {
  size_t varint = 1;
  for (uint32_t c = count_; c >= 0x80; c >>= 7) ++varint;
  return 1 + varint + bits_.bytes().size() + 4;
}

std::string ChunkWriter::Seal() const {
  std::string out;
  out.reserve(sealed_size());
  out.push_back(static_cast<char>(internal::kVersion));
  AppendVarint(out, count_);
  out += bits_.bytes();
  const uint32_t crc = Crc32c(out);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
  return out;
}

absl::StatusOr<ChunkWriter> ChunkWriter::Resume(std::string_view sealed) {
  absl::StatusOr<SealedChunk> chunk = OpenChunk(sealed);
  if (!chunk.ok()) return chunk.status();
  ChunkWriter writer;
  ChunkIterator it = chunk->Iterate();
  while (it.Next()) {
    if (absl::Status s = writer.Append(it.sample().timestamp_ms, it.sample().value); !s.ok()) {
      return s;
    }
  }
  if (!it.status().ok()) return it.status();
  return writer;
}

}  // namespace datamesh::monitoring::chunks
