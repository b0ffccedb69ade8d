// Decoding: every read is bounds-checked by BitReader and every arithmetic step that corrupt
// input could overflow is checked, so bad bytes end in DATA_LOSS, never in undefined behaviour.
#include "services/monitoring/chunks/chunk_codec.h"
#include "services/monitoring/chunks/coding_rules.h"
#include "services/monitoring/chunks/crc32c.h"
#include "services/monitoring/exposition/text_util.h"

namespace datamesh::monitoring::chunks {

using internal::DoubleOf;
using internal::IsExactInteger;

bool ChunkIterator::Fail(std::string_view what) {
  status_ = absl::DataLossError(Cat("corrupt chunk at bit ", reader_.position(), ": ", what));
  remaining_ = 0;
  return false;
}

bool ChunkIterator::Next() {
  if (remaining_ == 0) return false;
  if (first_) {
    uint64_t t = 0, v = 0;
    if (!reader_.Read(64, &t) || !reader_.Read(64, &v)) return Fail("truncated first sample");
    state_.last_timestamp = static_cast<int64_t>(t);
    state_.last_value_bits = v;
    first_ = false;
  } else if (!ReadTimestamp() || !ReadValue()) {
    return false;
  }
  sample_ = {state_.last_timestamp, DoubleOf(state_.last_value_bits)};
  --remaining_;
  return true;
}

bool ChunkIterator::ReadRice(const internal::AdaptiveRice& rice, RiceCode* code) {
  int ones = 0;
  bool bit = false;
  while (ones < internal::kEscapeOnes) {
    if (!reader_.ReadBit(&bit)) return Fail("truncated code");
    if (!bit) break;
    ++ones;
  }
  code->k = rice.k();
  code->escaped = ones == internal::kEscapeOnes;
  if (code->escaped) {
    uint64_t length = 0;
    if (!reader_.Read(7, &length)) return Fail("truncated code");
    if (length > 64) return Fail("escape longer than 64 bits");
    if (!reader_.Read(static_cast<int>(length), &code->value)) return Fail("truncated code");
    return true;
  }
  uint64_t low = 0;
  if (!reader_.Read(code->k, &low)) return Fail("truncated code");
  code->value = (static_cast<uint64_t>(ones) << code->k) | low;
  return true;
}

bool ChunkIterator::ReadTimestamp() {
  RiceCode code;
  if (!ReadRice(state_.timestamp_rice, &code)) return false;
  uint64_t delta = 0;
  if (code.escaped) {
    delta = code.value;
    if (internal::IsCodableDelta(delta, state_.last_delta) && state_.last_delta != 0) {
      const uint64_t z = internal::ZigZag(static_cast<int64_t>(delta) - state_.last_delta);
      state_.timestamp_rice.Update(internal::LearnedResidual(z, code.k, true));
    }
  } else {
    int64_t signed_delta = 0;
    if (state_.last_delta < 0 ||
        __builtin_add_overflow(state_.last_delta, internal::UnZigZag(code.value), &signed_delta) ||
        !internal::IsCodableDelta(static_cast<uint64_t>(signed_delta), state_.last_delta)) {
      return Fail("timestamp delta out of range");
    }
    delta = static_cast<uint64_t>(signed_delta);
    if (state_.last_delta != 0) state_.timestamp_rice.Update(code.value);
  }
  // A huge delta reads negative as int64; moving forward is what must hold.
  const uint64_t next = static_cast<uint64_t>(state_.last_timestamp) + delta;
  if (delta == 0 || static_cast<int64_t>(next) <= state_.last_timestamp) {
    return Fail("timestamps do not increase");
  }
  state_.last_delta = static_cast<int64_t>(delta);
  state_.last_timestamp = static_cast<int64_t>(next);
  return true;
}

bool ChunkIterator::ReadValue() {
  const uint64_t prev_bits = state_.last_value_bits;
  const bool prev_integer = IsExactInteger(DoubleOf(prev_bits));
  bool bit = false;
  if (!reader_.ReadBit(&bit)) return Fail("truncated value");
  if (prev_integer) {
    if (!bit) return ReadIntegerValue();
    if (!reader_.ReadBit(&bit)) return Fail("truncated value");
  }
  if (!bit) {
    state_.integer_delta_known = prev_integer;
    state_.last_integer_delta = 0;
    return true;
  }
  return ReadXorValue();
}

bool ChunkIterator::ReadIntegerValue() {
  RiceCode code;
  if (!ReadRice(state_.integer_rice, &code)) return false;
  const int64_t prev = static_cast<int64_t>(DoubleOf(state_.last_value_bits));
  int64_t step = 0, next = 0;
  if (__builtin_add_overflow(state_.last_integer_delta, internal::UnZigZag(code.value), &step) ||
      __builtin_add_overflow(prev, step, &next) || !IsExactInteger(static_cast<double>(next))) {
    return Fail("integer value out of range");
  }
  if (state_.integer_delta_known) {
    state_.integer_rice.Update(internal::LearnedResidual(code.value, code.k, code.escaped));
  }
  state_.integer_delta_known = true;
  state_.last_integer_delta = step;
  state_.last_value_bits = internal::BitsOf(static_cast<double>(next));
  return true;
}

bool ChunkIterator::ReadXorValue() {
  bool fresh_window = false;
  if (!reader_.ReadBit(&fresh_window)) return Fail("truncated value");
  if (fresh_window) {
    uint64_t leading = 0, length_minus_one = 0;
    if (!reader_.Read(5, &leading) || !reader_.Read(6, &length_minus_one)) {
      return Fail("truncated value");
    }
    const int trailing = 63 - static_cast<int>(leading) - static_cast<int>(length_minus_one);
    if (trailing < 0) return Fail("XOR window wider than 64 bits");
    state_.window_leading = static_cast<int>(leading);
    state_.window_trailing = trailing;
  } else if (state_.window_leading < 0) {
    return Fail("XOR window reused before one was set");
  }
  const int width = 64 - state_.window_leading - state_.window_trailing;
  uint64_t x = 0;
  if (!reader_.Read(width, &x)) return Fail("truncated value");
  const uint64_t prev_bits = state_.last_value_bits;
  const uint64_t bits = prev_bits ^ (x << state_.window_trailing);
  const double prev = DoubleOf(prev_bits), value = DoubleOf(bits);
  state_.integer_delta_known = IsExactInteger(prev) && IsExactInteger(value);
  state_.last_integer_delta =
      state_.integer_delta_known ? static_cast<int64_t>(value) - static_cast<int64_t>(prev) : 0;
  state_.last_value_bits = bits;
  return true;
}

absl::Status ChunkIterator::CheckEnd() {
  // The writer pads only the last byte, with zeros.
  uint64_t padding = 0;
  const size_t left = reader_.bits_left();
  if (left >= 8 || !reader_.Read(static_cast<int>(left), &padding) || padding != 0) {
    return absl::DataLossError(Cat("chunk has ", left, " bits after its last sample"));
  }
  return absl::OkStatus();
}

absl::StatusOr<SealedChunk> OpenChunk(std::string_view bytes) {
  if (bytes.size() < 1 + 1 + 4) return absl::DataLossError("chunk truncated: too short");
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  uint32_t stored_crc = 0;
  for (int i = 0; i < 4; ++i) {
    stored_crc |= uint32_t{static_cast<uint8_t>(bytes[body.size() + i])} << (8 * i);
  }
  if (Crc32c(body) != stored_crc) return absl::DataLossError("chunk checksum mismatch");
  if (static_cast<uint8_t>(body[0]) != internal::kVersion) {
    return absl::DataLossError(Cat("unknown chunk version ", static_cast<int>(body[0])));
  }
  uint64_t count = 0;
  size_t pos = 1;
  for (int shift = 0;; shift += 7) {
    if (pos >= body.size() || shift > 28) return absl::DataLossError("bad sample count");
    const uint8_t b = static_cast<uint8_t>(body[pos++]);
    count |= uint64_t{b & 0x7Fu} << shift;
    if (!(b & 0x80)) break;
  }
  if (count == 0 || count > ChunkWriter::kMaxSamples) {
    return absl::DataLossError(Cat("bad sample count ", count));
  }
  SealedChunk chunk;
  chunk.bits_ = body.substr(pos);
  chunk.bit_count_ = chunk.bits_.size() * 8;
  chunk.count_ = static_cast<uint32_t>(count);
  ChunkIterator it = chunk.Iterate();
  while (it.Next()) {
  }
  if (!it.status().ok()) return it.status();
  if (absl::Status s = it.CheckEnd(); !s.ok()) return s;
  return chunk;
}

absl::StatusOr<std::vector<ChunkSample>> DecodeChunk(std::string_view bytes) {
  absl::StatusOr<SealedChunk> chunk = OpenChunk(bytes);
  if (!chunk.ok()) return chunk.status();
  std::vector<ChunkSample> out;
  out.reserve(chunk->num_samples());
  ChunkIterator it = chunk->Iterate();
  while (it.Next()) out.push_back(it.sample());
  if (!it.status().ok()) return it.status();
  return out;
}

}  // namespace datamesh::monitoring::chunks
