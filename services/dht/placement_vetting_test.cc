// Placement under governance: only admitted, not disqualified nodes are eligible; unvetted nodes
// take part in about vetting.placementShare of the keys and otherwise only fill what the vetted
// nodes cannot; and the view that feeds placement (AdmissionView) treats unknown nodes as not
// admitted unless admission is off.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "services/dht/admission.h"
#include "services/dht/dht_test_util.h"
#include "services/dht/placement.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::dht {
namespace {

using ::datamesh::testing::StatusIs;
using test_util::MakeNode;
using test_util::RandomId;

NodeInfo Unvetted(NodeInfo node) {
  node.admission.vetted = false;
  return node;
}

// `vetted` vetted nodes and `unvetted` unvetted ones over `zones` zones.
std::vector<NodeInfo> Network(std::mt19937_64& rng, int vetted, int unvetted, int zones) {
  std::vector<NodeInfo> nodes;
  for (int i = 0; i < vetted + unvetted; ++i) {
    NodeInfo node = MakeNode(RandomId(rng), "zone-" + std::to_string(i % zones));
    nodes.push_back(i < vetted ? node : Unvetted(node));
  }
  return nodes;
}

PlacementRequest Request(const NodeId& key, uint32_t n, double share) {
  PlacementRequest r;
  r.key = key;
  r.n = n;
  r.unvetted_share = share;
  return r;
}

int UnvettedIn(const std::vector<NodeInfo>& placed) {
  int count = 0;
  for (const NodeInfo& node : placed) count += node.admission.vetted ? 0 : 1;
  return count;
}

TEST(VettingKey, SelectsAboutTheShareOfKeysAndTheSameKeysEveryTime) {
  std::mt19937_64 rng(7);
  std::vector<NodeId> keys;
  for (int i = 0; i < 20000; ++i) keys.push_back(RandomId(rng));
  for (double share : {0.0, 0.05, 0.5, 1.0}) {
    int chosen = 0;
    for (const NodeId& key : keys) {
      const bool once = VettingKey(key, share);
      EXPECT_EQ(VettingKey(key, share), once);
      chosen += once ? 1 : 0;
    }
    // 20000 draws: the standard deviation at 0.5 is 71 keys, and 3% is over eight of them; the
    // shares 0 and 1 are exact.
    const double tolerance = share > 0 && share < 1 ? 0.03 : 0.0;
    EXPECT_NEAR(chosen / 20000.0, share, tolerance) << "share " << share;
  }
  // A larger share keeps every key a smaller one chose (a governance change only adds keys).
  for (const NodeId& key : keys) {
    if (VettingKey(key, 0.05)) {
      EXPECT_TRUE(VettingKey(key, 0.5));
    }
  }
}

TEST(PlacementVetting, UnvettedNodesGetTheirShareOfPlacementsWhileVettedOnesSuffice) {
  std::mt19937_64 rng(11);
  const std::vector<NodeInfo> nodes = Network(rng, 30, 6, 3);
  const int kKeys = 10000;
  int with_unvetted = 0;
  int vetting_keys = 0;
  for (int i = 0; i < kKeys; ++i) {
    const PlacementRequest r = Request(RandomId(rng), 6, 0.05);
    auto placed = Place(nodes, r);
    ASSERT_OK(placed);
    ASSERT_EQ(placed->size(), 6u);
    const int unvetted = UnvettedIn(*placed);
    if (!VettingKey(r.key, r.unvetted_share)) {
      ASSERT_EQ(unvetted, 0) << "an unvetted node outside the vetting share";
      continue;
    }
    ++vetting_keys;
    with_unvetted += unvetted > 0 ? 1 : 0;
    // In a vetting key unvetted nodes rank as vetted ones: the same answer as if all were.
    std::vector<NodeInfo> all_vetted = nodes;
    for (NodeInfo& node : all_vetted) node.admission.vetted = true;
    auto same = Place(all_vetted, r);
    ASSERT_OK(same);
    for (size_t s = 0; s < 6; ++s) EXPECT_EQ((*placed)[s].id, (*same)[s].id);
  }
  EXPECT_NEAR(vetting_keys / static_cast<double>(kKeys), 0.05, 0.01);
  // 6 of 36 nodes: a vetting key's six nodes include an unvetted one most of the time.
  EXPECT_GT(with_unvetted, vetting_keys / 2);
}

TEST(PlacementVetting, UnvettedNodesFillWhatTheVettedCannot) {
  std::mt19937_64 rng(13);
  // One zone, so the rounds take nodes strictly by preference.
  const std::vector<NodeInfo> nodes = Network(rng, 4, 4, 1);
  int checked = 0;
  for (int i = 0; i < 200; ++i) {
    const PlacementRequest r = Request(RandomId(rng), 6, 0.05);
    if (VettingKey(r.key, r.unvetted_share)) continue;
    auto placed = Place(nodes, r);
    ASSERT_OK(placed);
    ASSERT_EQ(placed->size(), 6u);
    EXPECT_EQ(UnvettedIn(*placed), 2) << "all four vetted nodes, then two unvetted";
    ++checked;
  }
  EXPECT_GT(checked, 150);
}

TEST(PlacementVetting, ANetworkOfOnlyUnvettedNodesStillStoresData) {
  std::mt19937_64 rng(17);
  const std::vector<NodeInfo> nodes = Network(rng, 0, 6, 3);
  for (int i = 0; i < 100; ++i) {
    auto placed = Place(nodes, Request(RandomId(rng), 6, 0.0));
    ASSERT_OK(placed);
    std::set<std::string> zones;
    for (const NodeInfo& node : *placed) zones.insert(node.zone);
    EXPECT_EQ(zones.size(), 3u);
  }
}

TEST(PlacementVetting, NodesNotAdmittedOrDisqualifiedAreNeverChosen) {
  std::mt19937_64 rng(19);
  std::vector<NodeInfo> nodes = Network(rng, 8, 0, 3);
  nodes[0].admission.admitted = false;
  nodes[1].admission.disqualified = true;
  nodes[2].admission.admitted = false;
  nodes[2].admission.disqualified = true;
  EXPECT_FALSE(nodes[0].writable());
  EXPECT_FALSE(nodes[1].writable());
  for (int i = 0; i < 200; ++i) {
    auto placed = Place(nodes, Request(RandomId(rng), 5, 1.0));
    ASSERT_OK(placed);
    for (const NodeInfo& node : *placed) {
      EXPECT_TRUE(node.admission.admitted && !node.admission.disqualified);
    }
  }
  // Five remain: six is too many, unless fewer are allowed.
  PlacementRequest six = Request(RandomId(rng), 6, 1.0);
  EXPECT_THAT(Place(nodes, six).status(), StatusIs(absl::StatusCode::kFailedPrecondition));
  six.allow_fewer = true;
  auto fewer = Place(nodes, six);
  ASSERT_OK(fewer);
  EXPECT_EQ(fewer->size(), 5u);
}

TEST(AdmissionView, UnknownNodesAreNotAdmittedUnlessAdmissionIsOff) {
  std::mt19937_64 rng(23);
  const NodeId known = RandomId(rng), stranger = RandomId(rng);
  AdmissionView enforced(/*enforced=*/true, /*default_share=*/0.05);
  AdmissionSnapshot snapshot;
  snapshot.nodes[known] = {.operator_id = "op-1", .admitted = true, .vetted = false};
  enforced.Replace(snapshot);
  EXPECT_TRUE(enforced.For(known).admitted);
  EXPECT_EQ(enforced.For(known).operator_id, "op-1");
  EXPECT_FALSE(enforced.For(stranger).admitted);
  EXPECT_FALSE(enforced.For(stranger).vetted);
  EXPECT_DOUBLE_EQ(enforced.unvetted_share(), 0.05);
  snapshot.unvetted_share = 0.2;  // set by an executed proposal
  enforced.Replace(snapshot);
  EXPECT_DOUBLE_EQ(enforced.unvetted_share(), 0.2);

  AdmissionView off(/*enforced=*/false, /*default_share=*/0.05);
  off.Replace(snapshot);
  EXPECT_TRUE(off.For(stranger).admitted);
  EXPECT_TRUE(off.For(stranger).vetted);
  EXPECT_DOUBLE_EQ(off.unvetted_share(), 1.0);
}

}  // namespace
}  // namespace datamesh::dht
