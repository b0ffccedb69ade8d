// Bit-level writer and reader for the chunk codec. Bits are packed most significant first.
// BitReader checks every read against its end, so no byte sequence can make it read outside
// the buffer it was given. Not thread-safe; cheap to copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace datamesh::monitoring::chunks {

class BitWriter {
 public:
  // Appends the low `n` bits of `bits`, 0 <= n <= 64.
  void Write(uint64_t bits, int n) {
    for (int i = n - 1; i >= 0; --i) WriteBit((bits >> i) & 1);
  }
  void WriteBit(bool bit) {
    if (bit_count_ % 8 == 0) bytes_.push_back('\0');
    if (bit) bytes_.back() = static_cast<char>(bytes_.back() | (0x80 >> (bit_count_ % 8)));
    ++bit_count_;
  }
  size_t bit_count() const { return bit_count_; }
  // The bits so far; the last byte's unused low bits are zero.
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
  size_t bit_count_ = 0;
};

class BitReader {
 public:
  // Reads the first `bit_count` bits of `bytes` (bit_count <= 8 * bytes.size()).
  BitReader(std::string_view bytes, size_t bit_count) : bytes_(bytes), bit_count_(bit_count) {}

  // Reads `n` bits (0 <= n <= 64) into `out`; false, leaving the position, when fewer remain.
  bool Read(int n, uint64_t* out) {
    if (static_cast<size_t>(n) > bits_left()) return false;
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) {
      const uint8_t byte = static_cast<uint8_t>(bytes_[pos_ / 8]);
      v = (v << 1) | ((byte >> (7 - pos_ % 8)) & 1);
      ++pos_;
    }
    *out = v;
    return true;
  }
  bool ReadBit(bool* bit) {
    uint64_t v = 0;
    if (!Read(1, &v)) return false;
    *bit = v != 0;
    return true;
  }
  size_t bits_left() const { return bit_count_ - pos_; }
  size_t position() const { return pos_; }

 private:
  std::string_view bytes_;
  size_t bit_count_;
  size_t pos_ = 0;
};

}  // namespace datamesh::monitoring::chunks
