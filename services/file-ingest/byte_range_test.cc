#include "services/file-ingest/byte_range.h"

#include <gtest/gtest.h>

namespace datamesh::file_ingest {
namespace {

TEST(SlicesForRangeTest, WithinOneSegment) {
  EXPECT_EQ(SlicesForRange({10, 10, 5}, 2, 3), (std::vector<SegmentSlice>{{0, 2, 5}}));
  EXPECT_EQ(SlicesForRange({10, 10, 5}, 20, 5), (std::vector<SegmentSlice>{{2, 0, 5}}));
}

TEST(SlicesForRangeTest, AcrossBoundaries) {
  EXPECT_EQ(SlicesForRange({10, 10, 5}, 9, 2), (std::vector<SegmentSlice>{{0, 9, 10}, {1, 0, 1}}));
  EXPECT_EQ(SlicesForRange({10, 10, 5}, 5, 20),
            (std::vector<SegmentSlice>{{0, 5, 10}, {1, 0, 10}, {2, 0, 5}}));
  EXPECT_EQ(SlicesForRange({10, 10, 5}, 10, 10), (std::vector<SegmentSlice>{{1, 0, 10}}));
}

TEST(SlicesForRangeTest, EmptyCases) {
  EXPECT_TRUE(SlicesForRange({10}, 3, 0).empty());
  EXPECT_TRUE(SlicesForRange({}, 0, 0).empty());
  EXPECT_EQ(SlicesForRange({10}, 9, 1), (std::vector<SegmentSlice>{{0, 9, 10}}));
}

}  // namespace
}  // namespace datamesh::file_ingest
