// Repair planning (which segments, in which order), rebuilding a segment's lost shards with
// in-process fakes, and the progress-event throttle.
#include "services/file-ingest/repair.h"

#include <gtest/gtest.h>

#include "services/file-ingest/fake_backends.h"
#include "services/file-ingest/progress.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hash.h"
#include "shared/crypto/random.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::file_ingest {
namespace {

SegmentLayout Layout(const std::string& content, uint64_t index, std::vector<std::string> nodes) {
  SegmentLayout seg{content, index, 16, 4, 2, "codec", {}};
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
    seg.shards.push_back({i, content + "-shard-" + std::to_string(i), {nodes[i], "addr"}});
  }
  return seg;
}

TEST(PlanRepairsTest, KeepsOnlySegmentsWithLostShardsFewestHealthyFirst) {
  std::set<std::string> up = {"a", "b", "c", "d", "e", "f"};
  std::vector<SegmentLayout> segs = {
      Layout("c1", 0, {"a", "b", "c", "d", "e", "f"}),  // healthy
      Layout("c2", 0, {"a", "b", "c", "d", "e", "x"}),  // 5 healthy
      Layout("c3", 0, {"a", "b", "c", "d", "y", "x"}),  // 4 healthy: nearest to loss
      Layout("c4", 1, {"a", "b", "c", "d", "e", "f"}),  // one shard missing from its node
  };
  MissingShards missing = {{"c", "c4-shard-2"}};
  std::vector<RepairTask> tasks = PlanRepairs(segs, up, missing);
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_EQ(tasks[0].segment.content_id, "c3");
  EXPECT_EQ(tasks[0].lost, (std::vector<int>{4, 5}));
  EXPECT_EQ(tasks[0].healthy, (std::vector<int>{0, 1, 2, 3}));
  // Equal healthy counts: by content id.
  EXPECT_EQ(tasks[1].segment.content_id, "c2");
  EXPECT_EQ(tasks[1].lost, (std::vector<int>{5}));
  EXPECT_EQ(tasks[2].segment.content_id, "c4");
  EXPECT_EQ(tasks[2].lost, (std::vector<int>{2}));
}

TEST(PlanRepairsTest, SortsShardsByIndexWhateverTheManifestOrder) {
  SegmentLayout seg = Layout("c", 0, {"a", "b", "c", "d", "e", "x"});
  std::reverse(seg.shards.begin(), seg.shards.end());
  std::vector<RepairTask> tasks = PlanRepairs({seg}, {"a", "b", "c", "d", "e"}, {});
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].segment.shards[tasks[0].lost[0]].index, 5);
}

class SegmentRepairerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto codec = erasure::MakeCodec(erasure::Backend::kJerasure, 4, 2);
    ASSERT_OK(codec);
    codec_ = std::move(*codec);
    auto data = crypto::RandomBytes(10000);
    ASSERT_OK(data);
    auto shards = codec_->EncodeSegment(*data);
    ASSERT_OK(shards);
    shards_ = *shards;
    seg_ = {"content", 0, shards_[0].size(), 4, 2, std::string(codec_->id()), {}};
    for (int i = 0; i < 6; ++i) {
      auto hash = crypto::Sha256(shards_[i]);
      ASSERT_OK(hash);
      NodeRef node{"node-" + std::to_string(i), "addr-" + std::to_string(i)};
      seg_.shards.push_back({i, crypto::HexEncode(crypto::AsStringView(*hash)), node});
      ASSERT_OK(store_.Put(node, seg_.shards[i].shard_id, shards_[i]));
    }
  }

  std::unique_ptr<erasure::ErasureCodec> codec_;
  std::vector<std::string> shards_;
  SegmentLayout seg_;
  FakePlacement placement_{8};
  FakeShardStore store_;
};

TEST_F(SegmentRepairerTest, RebuildsLostShardsOntoNodesTheSegmentDoesNotUse) {
  store_.Kill("node-1");
  store_.Kill("node-4");
  std::vector<RepairTask> tasks =
      PlanRepairs({seg_}, {"node-0", "node-2", "node-3", "node-5", "node-6", "node-7"}, {});
  ASSERT_EQ(tasks.size(), 1u);
  SegmentRepairer repairer(placement_, store_);
  auto rebuilt = repairer.Rebuild(tasks[0]);
  ASSERT_OK(rebuilt);
  ASSERT_EQ(rebuilt->size(), 2u);
  for (int j = 0; j < 2; ++j) {
    const ShardRecord& rec = (*rebuilt)[j];
    EXPECT_EQ(rec.index, j == 0 ? 1 : 4);
    EXPECT_EQ(rec.shard_id, seg_.shards[rec.index].shard_id);
    EXPECT_TRUE(rec.node.id == "node-6" || rec.node.id == "node-7") << rec.node.id;
    std::string back(shards_[rec.index].size(), '\0');
    ASSERT_OK(store_.GetInto(rec.node, rec.shard_id,
                             {reinterpret_cast<uint8_t*>(back.data()), back.size()}));
    EXPECT_EQ(back, shards_[rec.index]);
  }
  EXPECT_NE((*rebuilt)[0].node.id, (*rebuilt)[1].node.id);
}

TEST_F(SegmentRepairerTest, SkipsCorruptHealthyShardsAndUsesParity) {
  store_.Corrupt(seg_.shards[0]);  // unverifiable: a parity shard stands in
  std::vector<RepairTask> tasks = PlanRepairs(
      {seg_}, {"node-0", "node-1", "node-2", "node-3", "node-4", "node-6", "node-7"}, {});
  ASSERT_EQ(tasks.size(), 1u);
  SegmentRepairer repairer(placement_, store_);
  auto rebuilt = repairer.Rebuild(tasks[0]);
  ASSERT_OK(rebuilt);
  ASSERT_EQ(rebuilt->size(), 1u);
  EXPECT_EQ((*rebuilt)[0].index, 5);
}

TEST_F(SegmentRepairerTest, DataLossWhenFewerThanKHealthyShardsAreReadable) {
  store_.Kill("node-0");
  store_.Kill("node-1");
  store_.Corrupt(seg_.shards[2]);
  std::vector<RepairTask> tasks = PlanRepairs({seg_}, {"node-2", "node-3", "node-4", "node-5"}, {});
  ASSERT_EQ(tasks.size(), 1u);
  SegmentRepairer repairer(placement_, store_);
  EXPECT_THAT(repairer.Rebuild(tasks[0]), testing::StatusIs(absl::StatusCode::kDataLoss));
}

TEST(ProgressThrottleTest, AtMostOncePerIntervalAndOnlyWhenBytesMoved) {
  ProgressThrottle throttle(absl::Milliseconds(250));
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  EXPECT_FALSE(throttle.ShouldPublish(0, t0));
  EXPECT_TRUE(throttle.ShouldPublish(10, t0));
  EXPECT_FALSE(throttle.ShouldPublish(20, t0 + absl::Milliseconds(100)));
  EXPECT_TRUE(throttle.ShouldPublish(30, t0 + absl::Milliseconds(260)));
  EXPECT_FALSE(throttle.ShouldPublish(30, t0 + absl::Seconds(5)));  // no progress
  EXPECT_TRUE(throttle.ShouldPublish(31, t0 + absl::Seconds(5)));
}

}  // namespace
}  // namespace datamesh::file_ingest
