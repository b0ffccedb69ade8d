// Deterministic content for the end-to-end benchmark clients: every byte of every bench file is
// a function of (seed, file number, offset), so downloads are verified without keeping files in
// memory. 1 MiB blocks come from a random pool and are stamped with their file and block
// number, so no two blocks are equal (nothing compresses, nothing deduplicates).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

namespace datamesh::bench {

inline constexpr uint64_t kBlock = uint64_t{1} << 20;  // content block and upload message size
inline constexpr uint64_t kPoolBlocks = 16;

inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The expected bytes of every bench file. Immutable after construction: thread-safe.
class Content {
 public:
  explicit Content(uint64_t seed) : seed_(seed), pool_(kPoolBlocks * kBlock, '\0') {
    uint64_t state = seed;
    for (size_t i = 0; i + 8 <= pool_.size(); i += 8) {
      uint64_t v = SplitMix64(state);
      std::memcpy(pool_.data() + i, &v, 8);
    }
  }

  // Writes bytes [offset, offset + len) of file `file` to `out`.
  void Fill(uint64_t file, uint64_t offset, size_t len, char* out) const {
    while (len > 0) {
      uint64_t block = offset / kBlock;
      uint64_t in = offset % kBlock;
      size_t take = static_cast<size_t>(std::min<uint64_t>(len, kBlock - in));
      uint64_t pool_block = (block + file * 7) % kPoolBlocks;
      std::memcpy(out, pool_.data() + pool_block * kBlock + in, take);
      uint64_t state = seed_ ^ (file * 0x100000001b3ULL) ^ (block << 40);
      uint64_t stamp = SplitMix64(state);
      for (uint64_t j = in; j < 8 && j < in + take; ++j) {
        out[j - in] = static_cast<char>(stamp >> (8 * j));
      }
      out += take;
      offset += take;
      len -= take;
    }
  }

 private:
  uint64_t seed_;
  std::string pool_;
};

}  // namespace datamesh::bench
