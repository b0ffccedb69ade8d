// BlockPool: blocks of one size class and alignment are reused, no more than the cap is kept
// (the least recently freed go first), and blocks idle too long are freed.
#include "services/file-ingest/block_pool.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>

namespace datamesh::file_ingest {
namespace {

TEST(BlockPoolTest, ReusesABlockOfTheSameSizeAndAlignment) {
  BlockPool pool(1 << 20);
  uint8_t* a = pool.Acquire(4096, 64);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  pool.Release(a, 4096, 64);
  EXPECT_EQ(pool.retained_bytes(), 4096u);
  EXPECT_EQ(pool.Acquire(4096, 64), a);
  EXPECT_EQ(pool.retained_bytes(), 0u);
  uint8_t* other_size = pool.Acquire(8192, 64);
  EXPECT_NE(other_size, a);
  pool.Release(a, 4096, 64);
  pool.Release(other_size, 8192, 64);
  EXPECT_EQ(pool.retained_bytes(), 4096u + 8192u);
}

TEST(BlockPoolTest, KeepsNoMoreThanItsCap) {
  BlockPool pool(8192);
  uint8_t* a = pool.Acquire(4096, 64);
  uint8_t* b = pool.Acquire(4096, 64);
  uint8_t* c = pool.Acquire(4096, 64);
  pool.Release(a, 4096, 64);
  pool.Release(b, 4096, 64);
  pool.Release(c, 4096, 64);  // over the cap: freed
  EXPECT_EQ(pool.retained_bytes(), 8192u);
}

TEST(BlockPoolTest, SizeClassesWasteAtMostAnEighth) {
  EXPECT_EQ(BlockPool::SizeClass(1), 4096u);
  EXPECT_EQ(BlockPool::SizeClass(4097), 8192u);
  EXPECT_EQ(BlockPool::SizeClass(65536), 65536u);
  EXPECT_EQ(BlockPool::SizeClass(size_t{6} << 20), size_t{6} << 20);
  // A full 4 MiB segment's six shards with GCM tag and padding: just over 6 MiB.
  EXPECT_EQ(BlockPool::SizeClass(6291552), (size_t{6} << 20) + (size_t{1} << 19));
  for (size_t n = 1; n < (size_t{64} << 20); n = n * 3 / 2 + 1) {
    const size_t c = BlockPool::SizeClass(n);
    EXPECT_GE(c, n);
    if (n > 65536) {
      EXPECT_LE(c - n, n / 8) << n;
    }
  }
}

TEST(BlockPoolTest, OddSizesOfOneClassShareBlocks) {
  BlockPool pool(size_t{64} << 20);
  // Compressed segments give shard blocks of every size; those of one class reuse each other.
  uint8_t* a = pool.Acquire(6291552, 16);
  pool.Release(a, 6291552, 16);
  EXPECT_EQ(pool.Acquire(6300000, 16), a);
  pool.Release(a, 6300000, 16);
  EXPECT_EQ(pool.retained_blocks(), 1u);
  uint8_t* b = pool.Acquire(5000000, 16);  // another class
  EXPECT_NE(b, a);
  pool.Release(b, 5000000, 16);
  EXPECT_EQ(pool.retained_blocks(), 2u);
}

TEST(BlockPoolTest, OverTheCapTheLeastRecentlyFreedGoFirst) {
  BlockPool pool(3 * 4096);
  uint8_t* a = pool.Acquire(4096, 64);
  uint8_t* b = pool.Acquire(4096, 64);
  uint8_t* c = pool.Acquire(4096, 64);
  uint8_t* d = pool.Acquire(4096, 64);
  pool.Release(a, 4096, 64);
  pool.Release(b, 4096, 64);
  pool.Release(c, 4096, 64);
  pool.Release(d, 4096, 64);  // over the cap: `a`, the oldest, is freed
  EXPECT_EQ(pool.retained_bytes(), 3u * 4096);
  std::set<uint8_t*> kept;
  for (int i = 0; i < 3; ++i) kept.insert(pool.Acquire(4096, 64));
  EXPECT_EQ(kept, (std::set<uint8_t*>{b, c, d}));
  for (uint8_t* p : kept) pool.Release(p, 4096, 64);
  // A block larger than the whole cap is never kept.
  uint8_t* big = pool.Acquire(1 << 20, 64);
  pool.Release(big, 1 << 20, 64);
  EXPECT_EQ(pool.retained_bytes(), 3u * 4096);
}

TEST(BlockPoolTest, FreesBlocksLeftIdleTooLong) {
  absl::Time now = absl::FromUnixSeconds(1000);
  BlockPool pool(size_t{64} << 20, absl::Seconds(30), [&] { return now; });
  uint8_t* a = pool.Acquire(1 << 20, 16);
  uint8_t* b = pool.Acquire(1 << 20, 16);
  pool.Release(a, 1 << 20, 16);
  now += absl::Seconds(20);
  pool.Release(b, 1 << 20, 16);
  EXPECT_EQ(pool.retained_blocks(), 2u);
  now += absl::Seconds(15);  // `a` idle 35 s, `b` 15 s
  uint8_t* small = pool.Acquire(4096, 16);
  EXPECT_EQ(pool.retained_blocks(), 1u);
  EXPECT_EQ(pool.retained_bytes(), size_t{1} << 20);
  now += absl::Seconds(31);
  pool.Release(small, 4096, 16);  // `b` idle too long now; `small` just freed stays
  EXPECT_EQ(pool.retained_blocks(), 1u);
  EXPECT_EQ(pool.retained_bytes(), 4096u);
}

}  // namespace
}  // namespace datamesh::file_ingest
