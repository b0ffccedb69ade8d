#include "services/dht/membership.h"

#include <gtest/gtest.h>

#include <random>

#include "services/dht/dht_test_util.h"

namespace datamesh::dht {
namespace {

using test_util::MakeNode;
using test_util::RandomId;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);
const absl::Duration kTimeout = absl::Seconds(15);

class MembershipTest : public ::testing::Test {
 protected:
  std::mt19937_64 rng_{11};
  Membership membership_{RandomId(rng_)};
};

TEST_F(MembershipTest, AFirstHeartbeatJoinsAndIsPendingRegistration) {
  const NodeInfo beat = MakeNode(RandomId(rng_), "z1");
  EXPECT_EQ(membership_.Observe(beat, kT0), Membership::Change::kJoined);
  auto node = membership_.Get(beat.id);
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ(node->state, NodeState::kUp);
  EXPECT_EQ(node->first_seen, kT0);
  const auto pending = membership_.PendingTransitions();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_FALSE(pending[0].registered);
  // Unregistered nodes have nothing to flush yet.
  EXPECT_TRUE(membership_.TakeDirty().empty());
  membership_.MarkRecorded(beat.id, NodeState::kUp);
  EXPECT_TRUE(membership_.PendingTransitions().empty());
  EXPECT_EQ(membership_.TakeDirty().size(), 1u);
  EXPECT_TRUE(membership_.TakeDirty().empty());
}

TEST_F(MembershipTest, TellsCountersFromDetails) {
  NodeInfo beat = MakeNode(RandomId(rng_), "z1");
  membership_.Observe(beat, kT0);
  beat.used_bytes += 10;
  beat.shard_count += 1;
  EXPECT_EQ(membership_.Observe(beat, kT0 + absl::Seconds(5)), Membership::Change::kCounters);
  beat.health = NodeHealth::kReadOnly;
  EXPECT_EQ(membership_.Observe(beat, kT0 + absl::Seconds(10)), Membership::Change::kDetails);
  EXPECT_EQ(membership_.Get(beat.id)->first_seen, kT0);
  EXPECT_EQ(membership_.Get(beat.id)->last_seen, kT0 + absl::Seconds(10));
}

TEST_F(MembershipTest, ASilentNodeGoesDownAndComesBack) {
  const NodeInfo a = MakeNode(RandomId(rng_), "z1");
  const NodeInfo b = MakeNode(RandomId(rng_), "z2");
  membership_.Observe(a, kT0);
  membership_.Observe(b, kT0);
  membership_.MarkRecorded(a.id, NodeState::kUp);
  membership_.MarkRecorded(b.id, NodeState::kUp);
  membership_.Observe(b, kT0 + absl::Seconds(10));
  EXPECT_TRUE(membership_.ExpireSilent(kT0 + kTimeout, kTimeout).empty());  // not beyond yet
  auto expired = membership_.ExpireSilent(kT0 + kTimeout + absl::Seconds(1), kTimeout);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].id, a.id);
  EXPECT_EQ(membership_.Get(a.id)->state, NodeState::kDown);
  EXPECT_EQ(membership_.UpNodes().size(), 1u);
  auto pending = membership_.PendingTransitions();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].node.state, NodeState::kDown);
  EXPECT_TRUE(pending[0].registered);
  membership_.MarkRecorded(a.id, NodeState::kDown);
  EXPECT_TRUE(membership_.PendingTransitions().empty());

  EXPECT_EQ(membership_.Observe(a, kT0 + absl::Seconds(30)), Membership::Change::kReturned);
  EXPECT_EQ(membership_.Get(a.id)->state, NodeState::kUp);
  ASSERT_EQ(membership_.PendingTransitions().size(), 1u);
  EXPECT_EQ(membership_.UpNodes().size(), 2u);
}

TEST_F(MembershipTest, ADownNeverRecordedNeedsNoUpWhenTheNodeReturns) {
  const NodeInfo a = MakeNode(RandomId(rng_), "z1");
  membership_.Observe(a, kT0);
  membership_.MarkRecorded(a.id, NodeState::kUp);
  membership_.ExpireSilent(kT0 + absl::Minutes(1), kTimeout);
  membership_.Observe(a, kT0 + absl::Minutes(2));
  EXPECT_TRUE(membership_.PendingTransitions().empty());
}

TEST_F(MembershipTest, LoadedNodesGetAGracePeriod) {
  NodeInfo up = MakeNode(RandomId(rng_), "z1");
  up.last_seen = kT0 - absl::Hours(3);  // dht itself was down for hours
  NodeInfo down = MakeNode(RandomId(rng_), "z2");
  down.state = NodeState::kDown;
  membership_.Load({up, down}, kT0);
  EXPECT_TRUE(membership_.PendingTransitions().empty());
  EXPECT_TRUE(membership_.ExpireSilent(kT0 + absl::Seconds(10), kTimeout).empty());
  EXPECT_EQ(membership_.ExpireSilent(kT0 + absl::Seconds(16), kTimeout).size(), 1u);
  EXPECT_EQ(membership_.Count(NodeState::kDown), 2u);
}

TEST_F(MembershipTest, NearestIncludesDownNodes) {
  std::vector<NodeInfo> nodes;
  for (int i = 0; i < 20; ++i) {
    nodes.push_back(MakeNode(RandomId(rng_), "z"));
    if (i % 3 == 0) nodes.back().state = NodeState::kDown;
  }
  membership_.Load(nodes, kT0);
  const NodeId key = RandomId(rng_);
  std::vector<NodeId> expected;
  for (const NodeInfo& n : nodes) expected.push_back(n.id);
  std::sort(expected.begin(), expected.end(),
            [&](const NodeId& a, const NodeId& b) { return Nearer(key, a, b); });
  expected.resize(8);
  std::vector<NodeId> got;
  for (const NodeInfo& n : membership_.Nearest(key, 8)) got.push_back(n.id);
  EXPECT_EQ(got, expected);
}

TEST_F(MembershipTest, ListPagesInIdOrderWithAStateFilter) {
  std::vector<NodeInfo> nodes;
  for (int i = 0; i < 10; ++i) {
    nodes.push_back(MakeNode(RandomId(rng_), "z"));
    if (i < 4) nodes.back().state = NodeState::kDown;
  }
  membership_.Load(nodes, kT0);
  bool more = false;
  std::vector<NodeId> seen;
  std::optional<NodeId> after;
  do {
    auto page = membership_.List(NodeState::kUp, after, 4, &more);
    for (const NodeInfo& n : page) {
      EXPECT_EQ(n.state, NodeState::kUp);
      seen.push_back(n.id);
    }
    if (!page.empty()) after = page.back().id;
  } while (more);
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(membership_.List(std::nullopt, std::nullopt, 100, &more).size(), 10u);
  EXPECT_FALSE(more);
}

}  // namespace
}  // namespace datamesh::dht
