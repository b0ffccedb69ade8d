// A small seeded random generator whose output is fixed by this file alone (SplitMix64), so a
// seed gives the same schedule, sizes and bytes with any standard library or compiler: the
// distributions of <random> are implementation-defined and would not replay across machines.
//
// Not thread-safe: one Rng per thread.
#pragma once

#include <cstdint>

namespace datamesh::thrash {

// The SplitMix64 finaliser: a bijective mix of 64 bits.
inline uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next() { return Mix64(state_ += 0x9e3779b97f4a7c15ULL); }

  // Uniform in [lo, hi] (both included); lo when hi < lo. The modulo bias (under 2^-40 for the
  // ranges used here) does not matter for a fault schedule.
  int64_t Between(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(Next() % span);
  }

  // True with probability `percent` / 100.
  bool Percent(int percent) { return Between(0, 99) < percent; }

  // The generator of one part of a run (the schedule, client 3, ...): independent of the other
  // parts, so adding draws to one does not shift the others.
  static Rng For(uint64_t seed, uint64_t part) { return Rng(Mix64(seed ^ Mix64(part + 1))); }

 private:
  uint64_t state_;
};

}  // namespace datamesh::thrash
