#include "services/gateway/transfer/tag_query.h"

#include <gtest/gtest.h>

#include "shared/testing/status_matchers.h"

namespace datamesh::gateway {
namespace {

using ::datamesh::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Pair;

TEST(TagQueryTest, ParsesPairsAndKeepsColonsInValues) {
  auto tags = ParseTagQuery("a:1,b:x:y,,c:");
  ASSERT_OK(tags);
  EXPECT_THAT(*tags, ElementsAre(Pair("a", "1"), Pair("b", "x:y"), Pair("c", "")));
}

TEST(TagQueryTest, EmptyIsNoTags) {
  auto tags = ParseTagQuery("");
  ASSERT_OK(tags);
  EXPECT_TRUE(tags->empty());
}

TEST(TagQueryTest, RejectsMalformed) {
  EXPECT_THAT(ParseTagQuery("novalue"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseTagQuery(":v"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseTagQuery("a:1,a:2"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace datamesh::gateway
