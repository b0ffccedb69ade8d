#include "services/dht/node_id.h"

#include <gtest/gtest.h>

#include <string>

#include "shared/testing/status_matchers.h"

namespace datamesh::dht {
namespace {

using ::datamesh::testing::StatusIs;

TEST(NodeId, ParsesAndPrintsLowercaseHex) {
  const std::string hex = "00ff" + std::string(56, 'a') + "0102";
  auto id = ParseNodeId(hex);
  ASSERT_OK(id);
  EXPECT_EQ((*id)[0], 0x00);
  EXPECT_EQ((*id)[1], 0xff);
  EXPECT_EQ((*id)[31], 0x02);
  EXPECT_EQ(ToHex(*id), hex);
}

TEST(NodeId, RefusesOtherSpellings) {
  EXPECT_THAT(ParseNodeId(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseNodeId(std::string(63, 'a')), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseNodeId(std::string(65, 'a')), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseNodeId(std::string(64, 'A')), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseNodeId(std::string(63, 'a') + "g"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(NodeId, HighestBitOfADistance) {
  NodeId d{};
  EXPECT_EQ(HighestBit(d), -1);
  d[31] = 1;
  EXPECT_EQ(HighestBit(d), 0);
  d[31] = 0x80;
  EXPECT_EQ(HighestBit(d), 7);
  d[0] = 0x01;
  EXPECT_EQ(HighestBit(d), 248);
  d[0] = 0x80;
  EXPECT_EQ(HighestBit(d), 255);
}

TEST(NodeId, NearerComparesXorDistances) {
  NodeId key{}, a{}, b{};
  a[31] = 0x01;  // distance 1
  b[30] = 0x01;  // distance 256
  EXPECT_TRUE(Nearer(key, a, b));
  EXPECT_FALSE(Nearer(key, b, a));
  EXPECT_FALSE(Nearer(key, a, a));
  key[30] = 0x01;  // now b is at distance 0
  EXPECT_TRUE(Nearer(key, b, a));
}

}  // namespace
}  // namespace datamesh::dht
