// Repair planning (which segments, in which order), rebuilding a segment's lost shards and
// moving crowded ones with in-process fakes, redundancy measures, and the progress-event
// throttle.
#include "services/file-ingest/repair.h"

#include <gtest/gtest.h>

#include "services/file-ingest/fake_backends.h"
#include "services/file-ingest/progress.h"
#include "services/file-ingest/redundancy.h"
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

TEST(PlanRepairsTest, MovesACrowdedShardOnlyToANodeTheSegmentDoesNotUse) {
  const SegmentLayout seg = Layout("c", 0, {"a", "b", "c", "d", "e", "e"});
  std::vector<RepairTask> tasks = PlanRepairs({seg}, {"a", "b", "c", "d", "e", "f"}, {});
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].lost, (std::vector<int>{5}));
  EXPECT_EQ(tasks[0].relocations, 1u);
  EXPECT_TRUE(tasks[0].spread_only());
  EXPECT_EQ(tasks[0].live_shards(), 6u);
  // No other node is up: the crowded shard stays where it is.
  EXPECT_TRUE(PlanRepairs({seg}, {"a", "b", "c", "d", "e"}, {}).empty());
}

TEST(PlanRepairsTest, LostShardsTakeFreeNodesBeforeCrowdedOnes) {
  // "a" is down and "f" is the only free node: it goes to the lost shard.
  std::vector<RepairTask> tasks =
      PlanRepairs({Layout("c", 0, {"a", "b", "c", "d", "e", "e"})}, {"b", "c", "d", "e", "f"}, {});
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].lost, (std::vector<int>{0}));
  EXPECT_EQ(tasks[0].relocations, 0u);
  EXPECT_EQ(tasks[0].healthy, (std::vector<int>{1, 2, 3, 4, 5}));
  // With room for all, lost shards come first, then the crowded ones.
  tasks = PlanRepairs({Layout("c", 0, {"a", "a", "b", "b", "x", "y"})},
                      {"a", "b", "c", "d", "e", "f"}, {});
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].lost, (std::vector<int>{4, 5, 1, 3}));
  EXPECT_EQ(tasks[0].relocations, 2u);
  EXPECT_EQ(tasks[0].healthy, (std::vector<int>{0, 2}));
  EXPECT_FALSE(tasks[0].spread_only());
}

TEST(PlanRepairsTest, MissingShardsComeBeforeCrowdedOnes) {
  std::set<std::string> up = {"a", "b", "c", "d", "e", "f", "g"};
  std::vector<RepairTask> tasks =
      PlanRepairs({Layout("crowded", 0, {"a", "b", "c", "d", "e", "e"}),
                   Layout("missing", 0, {"a", "b", "c", "d", "e", "x"})},
                  up, {});
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].segment.content_id, "missing");  // 5 live shards before 6
  EXPECT_EQ(tasks[1].segment.content_id, "crowded");
}

TEST(PlanRepairsTest, ShardsOfRecentlyDownNodesAreAwaitedUnlessTheSegmentIsAtRisk) {
  const std::set<std::string> up = {"a", "b", "c", "d", "e", "g"};
  // "f" is restarting; five live shards: nothing to do yet.
  EXPECT_TRUE(PlanRepairs({Layout("c", 0, {"a", "b", "c", "d", "e", "f"})}, up, {}, {"f"}).empty());
  // "f" restarting and "x" gone for good: four live shards is k, so both are rebuilt now.
  std::vector<RepairTask> tasks =
      PlanRepairs({Layout("c", 0, {"a", "b", "c", "d", "x", "f"})}, up, {}, {"f"});
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].lost, (std::vector<int>{4, 5}));
  // A shard missing from a live node counts as lost too.
  tasks = PlanRepairs({Layout("c", 0, {"a", "b", "c", "d", "e", "f"})}, up, {{"e", "c-shard-4"}},
                      {"f"});
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].lost, (std::vector<int>{4, 5}));
}

TEST(RedundancyTest, CountsNodeLossesInTheWorstCase) {
  const std::set<std::string> up = {"a", "b", "c", "d", "e", "f"};
  auto measure = [&](std::vector<std::string> nodes) {
    return MeasureSegment(Layout("c", 0, std::move(nodes)).shards, up, 4);
  };
  EXPECT_EQ(measure({"a", "b", "c", "d", "e", "f"}).node_losses_tolerated, 2);
  EXPECT_EQ(measure({"a", "b", "c", "d", "e", "x"}).node_losses_tolerated, 1);
  // Six live shards, two on "e": losing "e" and one more leaves three.
  SegmentRedundancy crowded = measure({"a", "b", "c", "d", "e", "e"});
  EXPECT_EQ(crowded.live_shards, 6u);
  EXPECT_EQ(crowded.node_losses_tolerated, 1);
  EXPECT_EQ(measure({"a", "a", "b", "b", "c", "c"}).node_losses_tolerated, 1);
  EXPECT_EQ(measure({"a", "a", "a", "b", "c", "d"}).node_losses_tolerated, 0);
  EXPECT_EQ(measure({"a", "b", "c", "d", "x", "y"}).node_losses_tolerated, 0);
  EXPECT_EQ(measure({"a", "b", "c", "x", "y", "z"}).node_losses_tolerated, -1);

  EXPECT_EQ(RedundancyState(2, 2), "healthy");
  EXPECT_EQ(RedundancyState(1, 2), "degraded");
  EXPECT_EQ(RedundancyState(0, 2), "at_risk");
  EXPECT_EQ(RedundancyState(-1, 2), "lost");
}

TEST(RedundancyTest, NodeLossesSurvivedDropsTheFullestNodesFirst) {
  EXPECT_EQ(NodeLossesSurvived({1, 1, 1, 1, 1, 1}, 4), 2);
  EXPECT_EQ(NodeLossesSurvived({1, 2, 1, 1, 1}, 4), 1);
  EXPECT_EQ(NodeLossesSurvived({2, 2, 1, 1}, 4), 1);
  EXPECT_EQ(NodeLossesSurvived({2, 2, 2}, 4), 1);
  EXPECT_EQ(NodeLossesSurvived({3, 3}, 4), 0);
  EXPECT_EQ(NodeLossesSurvived({1, 1, 1}, 4), -1);
  EXPECT_EQ(NodeLossesSurvived({}, 4), -1);
}

TEST(RedundancyTest, RoundRobinLayoutsAndTheNodesAQuorumNeeds) {
  EXPECT_EQ(RoundRobinCounts(6, 5), (std::vector<uint32_t>{2, 1, 1, 1, 1}));
  EXPECT_EQ(RoundRobinCounts(6, 4), (std::vector<uint32_t>{2, 2, 1, 1}));
  EXPECT_EQ(RoundRobinCounts(6, 3), (std::vector<uint32_t>{2, 2, 2}));
  EXPECT_TRUE(RoundRobinCounts(6, 0).empty());
  EXPECT_EQ(NodesNeededToSurvive(6, 4, 1), 3u);
  EXPECT_EQ(NodesNeededToSurvive(6, 4, 2), 6u);
  EXPECT_EQ(NodesNeededToSurvive(6, 4, 3), 0u);    // m = 2: no layout survives three
  EXPECT_EQ(NodesNeededToSurvive(12, 8, 1), 3u);   // 4-4-4
  EXPECT_EQ(NodesNeededToSurvive(14, 10, 2), 7u);  // 2 x 7
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

// Placement that refuses what the dht refuses: an empty node id among the exclusions.
class StrictPlacement : public FakePlacement {
 public:
  using FakePlacement::FakePlacement;
  absl::StatusOr<std::vector<NodeRef>> Place(const std::string& key, int n, uint64_t size,
                                             const std::vector<std::string>& exclude,
                                             bool allow_fewer) override {
    for (const std::string& id : exclude) {
      if (id.empty()) return absl::InvalidArgumentError("exclude_node_ids: empty id");
    }
    return FakePlacement::Place(key, n, size, exclude, allow_fewer);
  }
};

// A shard no node took at upload (kMissing, no node) is rebuilt at once -- no down-grace
// applies to it -- and lands on a node the segment does not use; the empty node id is not
// sent to the dht as an exclusion.
TEST_F(SegmentRepairerTest, AMissingShardIsRebuiltAtOnceOntoAFreeNode) {
  seg_.shards[2].node = {};
  seg_.shards[2].state = ShardState::kMissing;
  std::vector<RepairTask> tasks =
      PlanRepairs({seg_}, {"node-0", "node-1", "node-3", "node-4", "node-5", "node-6"}, {},
                  /*waiting=*/{"node-2"});
  ASSERT_EQ(tasks.size(), 1u);
  ASSERT_EQ(tasks[0].lost.size(), 1u);
  StrictPlacement strict(8);
  SegmentRepairer repairer(strict, store_);
  auto rebuilt = repairer.Rebuild(tasks[0]);
  ASSERT_OK(rebuilt);
  ASSERT_EQ(rebuilt->size(), 1u);
  EXPECT_EQ((*rebuilt)[0].index, 2);
  // A node the segment does not use (the fake's placement knows nothing of node-2's state).
  const std::string& node = (*rebuilt)[0].node.id;
  for (const ShardRecord& s : seg_.shards) EXPECT_NE(node, s.node.id);
}

// Puts shard `index` (also) on `node`, as repair does when it crowds a segment.
void MoveInFake(SegmentLayout& seg, FakeShardStore& store, const std::vector<std::string>& shards,
                int index, const std::string& node) {
  seg.shards[index].node = {node, "addr"};
  ASSERT_OK(store.Put(seg.shards[index].node, seg.shards[index].shard_id, shards[index]));
}

TEST_F(SegmentRepairerTest, MovesCrowdedShardsAwayAndReadsThemAsSources) {
  // Shards 0,1 on node-0 and 2,3 on node-2; 4 and 5 lost with their nodes. Only two healthy
  // shards stand alone: the rebuild must read the crowded ones too.
  MoveInFake(seg_, store_, shards_, 1, "node-0");
  MoveInFake(seg_, store_, shards_, 3, "node-2");
  store_.Kill("node-4");
  store_.Kill("node-5");
  std::vector<RepairTask> tasks =
      PlanRepairs({seg_}, {"node-0", "node-1", "node-2", "node-3", "node-6", "node-7"}, {});
  ASSERT_EQ(tasks.size(), 1u);
  ASSERT_EQ(tasks[0].relocations, 2u);
  SegmentRepairer repairer(placement_, store_);
  auto rebuilt = repairer.Rebuild(tasks[0]);
  ASSERT_OK(rebuilt);
  ASSERT_EQ(rebuilt->size(), 4u);
  std::set<std::string> nodes = {"node-0", "node-2"};
  for (const ShardRecord& rec : *rebuilt) {
    EXPECT_TRUE(nodes.insert(rec.node.id).second)
        << "index " << rec.index << " crowds " << rec.node.id;
    std::string back(shards_[rec.index].size(), '\0');
    ASSERT_OK(store_.GetInto(rec.node, rec.shard_id,
                             {reinterpret_cast<uint8_t*>(back.data()), back.size()}));
    EXPECT_EQ(back, shards_[rec.index]);
  }
}

TEST_F(SegmentRepairerTest, ASpreadOnlyMoveNeverCrowdsAnotherNode) {
  MoveInFake(seg_, store_, shards_, 5, "node-4");
  // dht lists node-5 up, but it cannot take the shard (full): placement fails.
  FakePlacement five_nodes(5);
  std::vector<RepairTask> tasks =
      PlanRepairs({seg_}, {"node-0", "node-1", "node-2", "node-3", "node-4", "node-5"}, {});
  ASSERT_EQ(tasks.size(), 1u);
  ASSERT_TRUE(tasks[0].spread_only());
  SegmentRepairer repairer(five_nodes, store_);
  EXPECT_THAT(repairer.Rebuild(tasks[0]), testing::StatusIs(absl::StatusCode::kUnavailable));
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
