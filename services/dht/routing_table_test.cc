#include "services/dht/routing_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "services/dht/dht_test_util.h"

namespace datamesh::dht {
namespace {

using test_util::RandomId;

std::vector<NodeId> BruteForceNearest(std::vector<NodeId> ids, const NodeId& key, size_t n) {
  std::sort(ids.begin(), ids.end(), [&](const NodeId& a, const NodeId& b) {
    return Xor(a, key) < Xor(b, key);  // std::array compares lexicographically = numerically
  });
  if (ids.size() > n) ids.resize(n);
  return ids;
}

TEST(RoutingTable, BucketIndexIsTheHighestDifferingBit) {
  NodeId local{};
  RoutingTable table(local);
  NodeId id{};
  EXPECT_EQ(table.BucketIndex(id), -1);
  id[31] = 0x01;
  EXPECT_EQ(table.BucketIndex(id), 0);
  id[31] = 0x03;
  EXPECT_EQ(table.BucketIndex(id), 1);
  id[0] = 0x80;
  EXPECT_EQ(table.BucketIndex(id), 255);
  local[0] = 0x80;  // the same id is now close to a different local id
  EXPECT_EQ(RoutingTable(local).BucketIndex(id), 1);
}

TEST(RoutingTable, InsertsIntoTheRightBucketAndRefreshes) {
  std::mt19937_64 rng(7);
  const NodeId local = RandomId(rng);
  RoutingTable table(local);
  std::vector<NodeId> ids;
  for (int i = 0; i < 200; ++i) ids.push_back(RandomId(rng));
  for (const NodeId& id : ids) EXPECT_EQ(table.Insert(id), RoutingTable::InsertResult::kAdded);
  EXPECT_EQ(table.size(), ids.size());
  for (const NodeId& id : ids) {
    const auto& bucket = table.Bucket(table.BucketIndex(id));
    EXPECT_NE(std::find(bucket.begin(), bucket.end(), id), bucket.end());
  }
  // A refreshed id becomes the most recently seen of its bucket.
  const NodeId& first = ids.front();
  EXPECT_EQ(table.Insert(first), RoutingTable::InsertResult::kRefreshed);
  EXPECT_EQ(table.Bucket(table.BucketIndex(first)).back(), first);
  EXPECT_EQ(table.size(), ids.size());
}

TEST(RoutingTable, RemoveForgetsAnId) {
  std::mt19937_64 rng(8);
  RoutingTable table(RandomId(rng));
  const NodeId a = RandomId(rng);
  table.Insert(a);
  EXPECT_TRUE(table.Contains(a));
  EXPECT_TRUE(table.Remove(a));
  EXPECT_FALSE(table.Contains(a));
  EXPECT_FALSE(table.Remove(a));
  EXPECT_EQ(table.size(), 0u);
}

TEST(RoutingTable, BoundedBucketsKeepReplacementsAndPromoteThem) {
  NodeId local{};
  RoutingTable table(local, /*bucket_size=*/2);
  // Three ids in bucket 255 (top bit set).
  NodeId a{}, b{}, c{};
  a[0] = 0x80;
  b[0] = 0x81;
  c[0] = 0x82;
  EXPECT_EQ(table.Insert(a), RoutingTable::InsertResult::kAdded);
  EXPECT_EQ(table.Insert(b), RoutingTable::InsertResult::kAdded);
  EXPECT_EQ(table.Insert(c), RoutingTable::InsertResult::kCachedAsReplacement);
  EXPECT_FALSE(table.Contains(c));
  EXPECT_EQ(table.size(), 2u);
  EXPECT_TRUE(table.Remove(a));
  EXPECT_TRUE(table.Contains(c));
  EXPECT_EQ(table.size(), 2u);
}

TEST(RoutingTable, TheLocalIdItselfIsAMember) {
  std::mt19937_64 rng(9);
  const NodeId local = RandomId(rng);
  RoutingTable table(local);
  table.Insert(local);
  table.Insert(RandomId(rng));
  EXPECT_TRUE(table.Contains(local));
  EXPECT_EQ(table.Nearest(local, 1), std::vector<NodeId>{local});
}

// The bucket walk must give exactly what sorting every id by distance gives, for keys far from
// and near to the local id, for counts from 1 to beyond the table's size.
TEST(RoutingTable, NearestEqualsBruteForceSort) {
  std::mt19937_64 rng(42);
  const NodeId local = RandomId(rng);
  RoutingTable table(local);
  std::vector<NodeId> ids;
  for (int i = 0; i < 300; ++i) ids.push_back(RandomId(rng));
  // Ids sharing long prefixes with the local id populate the low buckets too.
  for (int bits = 1; bits < 40; ++bits) {
    NodeId near = local;
    near[31 - bits / 8] ^= static_cast<uint8_t>(1u << (bits % 8));
    ids.push_back(near);
  }
  for (const NodeId& id : ids) table.Insert(id);

  std::vector<NodeId> keys = {local, ids[3], ids[310]};
  for (int i = 0; i < 200; ++i) keys.push_back(RandomId(rng));
  for (const NodeId& key : keys) {
    for (size_t n : {1u, 2u, 6u, 20u, 400u}) {
      EXPECT_EQ(table.Nearest(key, n), BruteForceNearest(ids, key, n)) << ToHex(key) << " " << n;
    }
  }
  EXPECT_TRUE(table.Nearest(keys[0], 0).empty());
}

}  // namespace
}  // namespace datamesh::dht
