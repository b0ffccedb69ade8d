#include "services/monitoring/scrape/assignment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"

namespace datamesh::monitoring::scrape {
namespace {

std::vector<std::string> Targets(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(absl::StrCat("chunk-store/", i, "a9f3"));
  return out;
}

TEST(Assignment, EveryReplicaComputesTheSameOwnerWhateverTheOrder) {
  const std::vector<std::string> a = {"m1", "m2", "m3"};
  const std::vector<std::string> b = {"m3", "m1", "m2"};
  for (const std::string& t : Targets(200)) {
    const std::string owner = OwnerOf(t, a);
    EXPECT_EQ(owner, OwnerOf(t, b));
    EXPECT_NE(std::find(a.begin(), a.end(), owner), a.end());
  }
}

TEST(Assignment, NoReplicaOwnsNothing) { EXPECT_EQ(OwnerOf("dht/1", {}), ""); }

TEST(Assignment, SplitsTargetsEvenly) {
  const std::vector<std::string> replicas = {"monitoring-1", "monitoring-2", "monitoring-3"};
  std::map<std::string, int> count;
  for (const std::string& t : Targets(3000)) ++count[OwnerOf(t, replicas)];
  ASSERT_EQ(count.size(), 3u);
  for (const auto& [replica, n] : count) {
    EXPECT_GT(n, 850) << replica;
    EXPECT_LT(n, 1150) << replica;
  }
}

TEST(Assignment, ALeavingReplicaHandsOverOnlyItsOwnTargets) {
  const std::vector<std::string> before = {"a", "b", "c", "d"};
  const std::vector<std::string> after = {"a", "b", "d"};
  int moved = 0;
  for (const std::string& t : Targets(1000)) {
    const std::string was = OwnerOf(t, before);
    const std::string now = OwnerOf(t, after);
    if (was != "c") {
      EXPECT_EQ(was, now) << t;
    } else {
      ++moved;
      EXPECT_NE(now, "c");
    }
  }
  EXPECT_GT(moved, 0);
}

TEST(Assignment, TheScoreIsFixedAcrossBuildsAndProcesses) {
  // Replicas of different builds must agree: the function is pinned (values worked out
  // independently from the FNV-1a and finaliser constants).
  EXPECT_EQ(RendezvousScore("", ""), 0xb9034ad37056f5fbULL);
  EXPECT_EQ(RendezvousScore("monitoring", "dht/dht"), 0x7b9f0bb3323ba4ddULL);
  EXPECT_NE(RendezvousScore("ab", "c"), RendezvousScore("a", "bc"));
}

}  // namespace
}  // namespace datamesh::monitoring::scrape
