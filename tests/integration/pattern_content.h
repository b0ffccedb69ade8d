// Deterministic file content for whole-stack tests: the bytes of a file are a pure function of
// (seed, offset), so a test generates an upload and checks a download piece by piece without
// holding either in memory, and names a file's content by its seed alone.
//
// Byte i of the content named by `seed` is byte i % 8 (least significant first) of
// SplitMix64(SplitMix64(seed) + i / 8): the same bytes file_faults_test.cc generates.
//
// Thread safety: the functions are thread-safe; a PatternChecker serves one stream.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shared/crypto/encoding.h"
#include "shared/crypto/hash.h"

namespace datamesh::integration {

inline constexpr uint64_t kPatternMiB = 1 << 20;

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Bytes [offset, offset + size) of the content named by `seed`.
inline std::string PatternBytes(uint64_t seed, uint64_t offset, uint64_t size) {
  std::string out(size, '\0');
  const uint64_t base = SplitMix64(seed);
  uint64_t word_index = offset / 8;
  uint64_t word = SplitMix64(base + word_index);
  for (uint64_t i = 0; i < size; ++i) {
    const uint64_t pos = offset + i;
    if (pos / 8 != word_index) word = SplitMix64(base + (word_index = pos / 8));
    out[i] = static_cast<char>(word >> (8 * (pos % 8)));
  }
  return out;
}

// Lower-case hex SHA-256 of the first `size` bytes of the content named by `seed`.
inline std::string PatternSha256Hex(uint64_t seed, uint64_t size) {
  auto hasher = crypto::Sha256Hasher::Create().value();
  for (uint64_t at = 0; at < size; at += kPatternMiB) {
    hasher.Update(PatternBytes(seed, at, std::min(kPatternMiB, size - at)));
  }
  return crypto::HexEncode(crypto::AsStringView(hasher.Finish().value()));
}

// Checks bytes against the content as they arrive (a download read piece by piece), and hashes
// them.
class PatternChecker {
 public:
  // The stream is expected to hold the content from `offset` on.
  explicit PatternChecker(uint64_t seed, uint64_t offset = 0)
      : seed_(seed), offset_(offset), hasher_(crypto::Sha256Hasher::Create().value()) {}

  // Feeds the next bytes. False once any byte fed so far differed from the content.
  bool Add(std::string_view bytes) {
    if (!mismatch_) {
      const std::string want = PatternBytes(seed_, offset_ + bytes_, bytes.size());
      const auto at = std::mismatch(bytes.begin(), bytes.end(), want.begin()).first;
      if (at != bytes.end()) mismatch_ = offset_ + bytes_ + (at - bytes.begin());
    }
    hasher_.Update(bytes);
    bytes_ += bytes.size();
    return !mismatch_;
  }

  uint64_t bytes() const { return bytes_; }
  // Offset in the content of the first byte that differed, if one did.
  std::optional<uint64_t> first_mismatch() const { return mismatch_; }
  // Hex SHA-256 of every byte fed; call once, at the end.
  std::string Sha256Hex() {
    return crypto::HexEncode(crypto::AsStringView(hasher_.Finish().value()));
  }

 private:
  const uint64_t seed_;
  const uint64_t offset_;
  crypto::Sha256Hasher hasher_;
  uint64_t bytes_ = 0;
  std::optional<uint64_t> mismatch_;
};

}  // namespace datamesh::integration
