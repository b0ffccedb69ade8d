#include "tools/thrash/load_plan.h"

#include <gtest/gtest.h>

#include <map>

namespace datamesh::thrash {
namespace {

TEST(LoadPlan, SizesCoverEmptySmallSegmentBoundariesAndBigFiles) {
  Rng rng(1);
  int empty = 0, small = 0, boundary = 0, medium = 0, big = 0;
  for (int i = 0; i < 10'000; ++i) {
    const uint64_t size = PickFileSize(rng, 5);
    const uint64_t from_boundary = size % kSegmentBytes;
    if (size == 0) {
      ++empty;
    } else if (size <= (64 << 10)) {
      ++small;
    } else if (size >= kBigFileBytes - (512 << 10)) {
      EXPECT_LE(size, kBigFileBytes + (512 << 10));
      ++big;
    } else if (from_boundary <= 3 || from_boundary >= kSegmentBytes - 3) {
      ++boundary;
    } else {
      EXPECT_LE(size, uint64_t{6} << 20);
      ++medium;
    }
  }
  EXPECT_GT(empty, 500);
  EXPECT_GT(small, 2'500);
  EXPECT_GT(boundary, 1'500);
  EXPECT_GT(medium, 2'500);
  EXPECT_GT(big, 300);
  Rng no_big(1);
  for (int i = 0; i < 10'000; ++i) EXPECT_LT(PickFileSize(no_big, 0), kBigFileBytes / 2);
}

TEST(LoadPlan, RangesStayInsideTheFileAndOftenStraddleASegmentBoundary) {
  Rng rng(2);
  int straddling = 0;
  for (uint64_t size : {uint64_t{1}, uint64_t{10}, kSegmentBytes, kSegmentBytes * 2 + 3}) {
    for (int i = 0; i < 2'000; ++i) {
      const ByteRange r = PickRange(rng, size);
      ASSERT_GE(r.length, 1u);
      ASSERT_LE(r.offset + r.length, size);
      straddling += r.offset / kSegmentBytes != (r.offset + r.length - 1) / kSegmentBytes;
    }
  }
  EXPECT_GT(straddling, 500);
}

TEST(LoadPlan, OperationsFollowTheFilesThereAre) {
  Rng rng(3);
  std::map<Operation, int> seen;
  for (int i = 0; i < 1'000; ++i) {
    EXPECT_EQ(PickOperation(rng, {0, 5, 40}), Operation::kUpload);
    EXPECT_EQ(PickOperation(rng, {40, 5, 40}), Operation::kDelete);
    EXPECT_NE(PickOperation(rng, {3, 0, 40}), Operation::kCheckDeletedGone);
    ++seen[PickOperation(rng, {10, 10, 40})];
  }
  EXPECT_EQ(seen.size(), 5u);
}

TEST(LoadPlan, FileNamesGiveBackTheirClientAndNumber) {
  EXPECT_EQ(FileName(2, 17), "thrash-c2-f17.bin");
  const std::optional<FileNumber> n = ParseFileName("thrash-c2-f17.bin");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->client, 2);
  EXPECT_EQ(n->number, 17u);
  for (const char* other : {"", "thrash-c2-f17", "thrash-c-f1.bin", "thrash-c2-f+1.bin",
                            "thrash-c02-f1.bin", "thrash-c2-f1-f2.bin", "photo.jpg"}) {
    EXPECT_FALSE(ParseFileName(other).has_value()) << other;
  }
}

}  // namespace
}  // namespace datamesh::thrash
