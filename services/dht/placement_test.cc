#include "services/dht/placement.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "services/dht/dht_test_util.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::dht {
namespace {

using ::datamesh::testing::StatusIs;
using test_util::MakeNode;
using test_util::RandomId;

std::vector<NodeInfo> MakeNodes(std::mt19937_64& rng, int count, int zones) {
  std::vector<NodeInfo> nodes;
  for (int i = 0; i < count; ++i) {
    nodes.push_back(MakeNode(RandomId(rng), "zone-" + std::to_string(i % zones)));
  }
  return nodes;
}

PlacementRequest Request(const NodeId& key, uint32_t n) {
  PlacementRequest r;
  r.key = key;
  r.n = n;
  return r;
}

std::vector<NodeId> Ids(const std::vector<NodeInfo>& nodes) {
  std::vector<NodeId> ids;
  for (const NodeInfo& node : nodes) ids.push_back(node.id);
  return ids;
}

std::vector<NodeId> PlaceIds(const std::vector<NodeInfo>& nodes, const PlacementRequest& r) {
  auto placed = Place(nodes, r);
  EXPECT_OK(placed);
  return placed.ok() ? Ids(*placed) : std::vector<NodeId>{};
}

TEST(Placement, IsTheSameWhateverTheInputOrder) {
  std::mt19937_64 rng(1);
  std::vector<NodeInfo> nodes = MakeNodes(rng, 40, 4);
  for (int k = 0; k < 50; ++k) {
    const PlacementRequest r = Request(RandomId(rng), 6);
    const std::vector<NodeId> expected = PlaceIds(nodes, r);
    ASSERT_EQ(expected.size(), 6u);
    for (int shuffle = 0; shuffle < 5; ++shuffle) {
      std::shuffle(nodes.begin(), nodes.end(), rng);
      EXPECT_EQ(PlaceIds(nodes, r), expected);
    }
  }
}

TEST(Placement, ReturnsNearestFirstWhenZonesDoNotInterfere) {
  std::mt19937_64 rng(2);
  std::vector<NodeInfo> nodes;
  for (int i = 0; i < 30; ++i) nodes.push_back(MakeNode(RandomId(rng), "z" + std::to_string(i)));
  const NodeId key = RandomId(rng);
  std::vector<NodeId> sorted = Ids(nodes);
  std::sort(sorted.begin(), sorted.end(),
            [&](const NodeId& a, const NodeId& b) { return Nearer(key, a, b); });
  sorted.resize(5);
  EXPECT_EQ(PlaceIds(nodes, Request(key, 5)), sorted);
}

TEST(Placement, SpreadsOverEveryZoneBeforeReusingOne) {
  std::mt19937_64 rng(3);
  const std::vector<NodeInfo> nodes = MakeNodes(rng, 30, 3);
  for (int k = 0; k < 200; ++k) {
    auto placed = Place(nodes, Request(RandomId(rng), 6));
    ASSERT_OK(placed);
    std::map<std::string, int> per_zone;
    for (const NodeInfo& node : *placed) ++per_zone[node.zone];
    ASSERT_EQ(per_zone.size(), 3u);
    for (const auto& [zone, count] : per_zone) EXPECT_EQ(count, 2) << zone;
  }
  // Four zones, six shards: two zones get two, never one zone three.
  const std::vector<NodeInfo> four = MakeNodes(rng, 40, 4);
  for (int k = 0; k < 200; ++k) {
    auto placed = Place(four, Request(RandomId(rng), 6));
    ASSERT_OK(placed);
    std::map<std::string, int> per_zone;
    for (const NodeInfo& node : *placed) ++per_zone[node.zone];
    ASSERT_EQ(per_zone.size(), 4u);
    for (const auto& [zone, count] : per_zone) EXPECT_LE(count, 2) << zone;
  }
  // With more zones than shards, no two shards share a zone.
  const std::vector<NodeInfo> wide = MakeNodes(rng, 40, 8);
  for (int k = 0; k < 200; ++k) {
    auto placed = Place(wide, Request(RandomId(rng), 6));
    ASSERT_OK(placed);
    std::set<std::string> zones;
    for (const NodeInfo& node : *placed) zones.insert(node.zone);
    EXPECT_EQ(zones.size(), 6u);
  }
}

TEST(Placement, FillsFromOneZoneWhenOnlyOneIsLeft) {
  std::mt19937_64 rng(4);
  std::vector<NodeInfo> nodes = MakeNodes(rng, 6, 1);
  nodes.push_back(MakeNode(RandomId(rng), "lonely"));
  auto placed = Place(nodes, Request(RandomId(rng), 4));
  ASSERT_OK(placed);
  ASSERT_EQ(placed->size(), 4u);
  EXPECT_EQ(std::count_if(placed->begin(), placed->end(),
                          [](const NodeInfo& n) { return n.zone == "lonely"; }),
            1);
}

TEST(Placement, SkipsDownReadOnlyFullAndExcludedNodes) {
  std::mt19937_64 rng(5);
  std::vector<NodeInfo> nodes = MakeNodes(rng, 12, 3);
  nodes[0].state = NodeState::kDown;
  nodes[1].health = NodeHealth::kReadOnly;
  nodes[2].used_bytes = nodes[2].capacity_bytes;       // full
  nodes[3].used_bytes = nodes[3].capacity_bytes + 5;   // over capacity
  nodes[4].capacity_bytes = 0;                         // no room at all
  nodes[5].used_bytes = nodes[5].capacity_bytes - 10;  // room for small shards only
  PlacementRequest r = Request(RandomId(rng), 4);
  r.exclude.insert(nodes[6].id);
  r.shard_size = 100;
  r.allow_fewer = true;
  for (int k = 0; k < 100; ++k) {
    r.key = RandomId(rng);
    auto placed = Place(nodes, r);
    ASSERT_OK(placed);
    EXPECT_EQ(placed->size(), 4u);
    for (const NodeInfo& node : *placed) {
      for (int skipped = 0; skipped <= 6; ++skipped) EXPECT_NE(node.id, nodes[skipped].id);
    }
  }
  // Eligible: nodes 7..11 only (5 nodes).
  r.n = 6;
  auto placed = Place(nodes, r);
  ASSERT_OK(placed);
  EXPECT_EQ(placed->size(), 5u);
  r.shard_size = 0;  // node 5 has room for a size-less request
  placed = Place(nodes, r);
  ASSERT_OK(placed);
  EXPECT_EQ(placed->size(), 6u);
}

TEST(Placement, FailsWhenTooFewNodesAreEligibleUnlessAllowedFewer) {
  std::mt19937_64 rng(6);
  std::vector<NodeInfo> nodes = MakeNodes(rng, 5, 2);
  PlacementRequest r = Request(RandomId(rng), 6);
  EXPECT_THAT(Place(nodes, r), StatusIs(absl::StatusCode::kFailedPrecondition));
  r.allow_fewer = true;
  auto placed = Place(nodes, r);
  ASSERT_OK(placed);
  EXPECT_EQ(placed->size(), 5u);
  EXPECT_THAT(Place({}, Request(RandomId(rng), 1)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(Placement, PrefersHealthyNodesOverDegradedOnes) {
  std::mt19937_64 rng(7);
  std::vector<NodeInfo> nodes = MakeNodes(rng, 8, 8);
  for (int i = 0; i < 4; ++i) nodes[i].health = NodeHealth::kDegraded;
  for (int k = 0; k < 50; ++k) {
    auto placed = Place(nodes, Request(RandomId(rng), 4));
    ASSERT_OK(placed);
    for (const NodeInfo& node : *placed) EXPECT_NE(node.health, NodeHealth::kDegraded);
    auto more = Place(nodes, Request(RandomId(rng), 6));
    ASSERT_OK(more);
    EXPECT_EQ(std::count_if(more->begin(), more->end(),
                            [](const NodeInfo& n) { return n.health == NodeHealth::kDegraded; }),
              2);
  }
}

}  // namespace
}  // namespace datamesh::dht
