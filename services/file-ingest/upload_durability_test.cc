#include "services/file-ingest/upload_durability.h"

#include <gtest/gtest.h>

#include <vector>

namespace datamesh::file_ingest {
namespace {

// A segment of `k_plus_m` shards whose listed indexes are in `state` (the others stored).
SegmentRecord Segment(int k_plus_m, std::vector<int> not_stored = {},
                      ShardState state = ShardState::kWriting) {
  SegmentRecord seg;
  for (int i = 0; i < k_plus_m; ++i) {
    ShardRecord shard;
    shard.index = i;
    for (int j : not_stored) {
      if (j == i) shard.state = state;
    }
    seg.shards.push_back(shard);
  }
  return seg;
}

TEST(ExpectedSegmentsTest, InlineFilesHaveNoneAndOthersOnePerStartedSegment) {
  EXPECT_EQ(ExpectedSegments(0, 4 << 20, 4096), 0u);
  EXPECT_EQ(ExpectedSegments(4096, 4 << 20, 4096), 0u);
  EXPECT_EQ(ExpectedSegments(4097, 4 << 20, 4096), 1u);
  EXPECT_EQ(ExpectedSegments(4 << 20, 4 << 20, 4096), 1u);
  EXPECT_EQ(ExpectedSegments((4 << 20) + 1, 4 << 20, 4096), 2u);
  EXPECT_EQ(ExpectedSegments(20 << 20, 4 << 20, 4096), 5u);
}

TEST(CountDurabilityTest, CountsOnlyAcknowledgedShardsAgainstTheExpectedTotal) {
  std::vector<SegmentRecord> collected = {Segment(6), Segment(6, {4}),
                                          Segment(6, {1, 5}, ShardState::kMissing)};
  UploadDurability d = CountDurability(collected, 5, 6);
  EXPECT_EQ(d.shards_placed, 6u + 5u + 4u);
  EXPECT_EQ(d.shards_total, 30u);
  EXPECT_EQ(d.segments_durable, 1u);
  EXPECT_EQ(d.segments_total, 5u);
}

TEST(CountDurabilityTest, WithoutAKnownSizeTheTotalIsWhatWasCollected) {
  UploadDurability d = CountDurability({Segment(6), Segment(6)}, std::nullopt, 6);
  EXPECT_EQ(d.shards_placed, 12u);
  EXPECT_EQ(d.shards_total, 12u);
  EXPECT_EQ(d.segments_durable, 2u);
  EXPECT_EQ(d.segments_total, 2u);
}

TEST(CountDurabilityTest, AnUnderstatedSizeNeverShowsMoreThanEverything) {
  UploadDurability d = CountDurability({Segment(6), Segment(6), Segment(6)}, 1, 6);
  EXPECT_EQ(d.segments_total, 3u);
  EXPECT_EQ(d.shards_total, 18u);
  EXPECT_LE(d.shards_placed, d.shards_total);
}

TEST(CountDurabilityTest, NothingCollectedIsZeroOfTheExpected) {
  UploadDurability d = CountDurability({}, 2, 6);
  EXPECT_EQ(d.shards_placed, 0u);
  EXPECT_EQ(d.shards_total, 12u);
  EXPECT_EQ(d.segments_durable, 0u);
}

}  // namespace
}  // namespace datamesh::file_ingest
