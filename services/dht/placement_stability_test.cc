// Stability of placement: when one node of 100 joins or leaves, how many of 10,000 keys (n = 6)
// get a different set of nodes? The minimum is the keys whose answer must change: for a leave,
// those that had the leaving node (n/N = 6% on average); for a join, those whose answer now
// includes the newcomer (n/(N+1) ≈ 5.94% on average). The test prints the measured shares.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "services/dht/dht_test_util.h"
#include "services/dht/placement.h"

namespace datamesh::dht {
namespace {

using test_util::MakeNode;
using test_util::RandomId;

constexpr int kNodes = 100;
constexpr int kKeys = 10'000;
constexpr uint32_t kN = 6;
constexpr int kTrials = 10;  // leaves and joins measured, each with a different node

std::vector<NodeId> PlacedSet(const std::vector<NodeInfo>& nodes, const NodeId& key) {
  PlacementRequest r;
  r.key = key;
  r.n = kN;
  auto placed = Place(nodes, r);
  std::vector<NodeId> ids;
  if (!placed.ok()) return ids;
  for (const NodeInfo& node : *placed) ids.push_back(node.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

struct Moved {
  int changed = 0;  // keys whose set of nodes changed
  int minimum = 0;  // keys whose set had to change
};

// Keys whose placement differs between `before` and `after`; `subject` is the node that left
// (found in the before-sets) or joined (found in the after-sets).
Moved Compare(const std::vector<std::vector<NodeId>>& before,
              const std::vector<std::vector<NodeId>>& after, const NodeId& subject, bool joined) {
  Moved m;
  for (size_t k = 0; k < before.size(); ++k) {
    if (before[k] != after[k]) ++m.changed;
    const auto& must = joined ? after[k] : before[k];
    if (std::binary_search(must.begin(), must.end(), subject)) ++m.minimum;
  }
  return m;
}

void MeasureChurn(int zones) {
  std::mt19937_64 rng(2024 + zones);
  std::vector<NodeInfo> nodes;
  for (int i = 0; i < kNodes; ++i) {
    nodes.push_back(MakeNode(RandomId(rng), "zone-" + std::to_string(i % zones)));
  }
  std::vector<NodeId> keys;
  for (int k = 0; k < kKeys; ++k) keys.push_back(RandomId(rng));
  std::vector<std::vector<NodeId>> base;
  for (const NodeId& key : keys) base.push_back(PlacedSet(nodes, key));
  for (const auto& set : base) ASSERT_EQ(set.size(), kN);

  double leave_changed = 0, leave_minimum = 0, join_changed = 0, join_minimum = 0;
  for (int t = 0; t < kTrials; ++t) {
    // Leave: node t*7 goes away.
    std::vector<NodeInfo> fewer = nodes;
    const NodeId gone = fewer[t * 7].id;
    fewer.erase(fewer.begin() + t * 7);
    std::vector<std::vector<NodeId>> after;
    for (const NodeId& key : keys) after.push_back(PlacedSet(fewer, key));
    const Moved leave = Compare(base, after, gone, /*joined=*/false);
    EXPECT_LE(leave.changed, 1.5 * leave.minimum) << "leave trial " << t;
    EXPECT_GE(leave.changed, leave.minimum);
    leave_changed += leave.changed;
    leave_minimum += leave.minimum;

    // Join: a new node in zone t % zones arrives.
    std::vector<NodeInfo> more = nodes;
    more.push_back(MakeNode(RandomId(rng), "zone-" + std::to_string(t % zones)));
    after.clear();
    for (const NodeId& key : keys) after.push_back(PlacedSet(more, key));
    const Moved join = Compare(base, after, more.back().id, /*joined=*/true);
    EXPECT_LE(join.changed, 1.5 * join.minimum) << "join trial " << t;
    EXPECT_GE(join.changed, join.minimum);
    join_changed += join.changed;
    join_minimum += join.minimum;
  }
  const double denominator = static_cast<double>(kTrials) * kKeys;
  const double leave_share = leave_changed / denominator;
  const double join_share = join_changed / denominator;
  std::printf(
      "[placement churn] %d nodes, %d zones, %d keys, n=%u, mean of %d trials:\n"
      "  leave: %.3f%% of keys moved; minimum (keys that had the node) %.3f%%; n/N = %.3f%%\n"
      "  join:  %.3f%% of keys moved; minimum (keys that now have it)  %.3f%%; n/(N+1) = %.3f%%\n",
      kNodes, zones, kKeys, kN, kTrials, 100 * leave_share, 100 * leave_minimum / denominator,
      100.0 * kN / kNodes, 100 * join_share, 100 * join_minimum / denominator,
      100.0 * kN / (kNodes + 1));
  // Against the ideal average too: a placement that moved more than it must would show here.
  EXPECT_LE(leave_share, 1.5 * kN / kNodes);
  EXPECT_LE(join_share, 1.5 * kN / (kNodes + 1));
}

TEST(PlacementStability, OneNodeLeavingOrJoiningMovesCloseToTheMinimumWithZones) {
  MeasureChurn(/*zones=*/5);
}

TEST(PlacementStability, OneNodeLeavingOrJoiningMovesCloseToTheMinimumWithoutZones) {
  MeasureChurn(/*zones=*/1);
}

}  // namespace
}  // namespace datamesh::dht
