// BlockPool: blocks of the same size and alignment are reused, and no more than the cap is
// kept.
#include "services/file-ingest/block_pool.h"

#include <gtest/gtest.h>

#include <cstdint>

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

}  // namespace
}  // namespace datamesh::file_ingest
