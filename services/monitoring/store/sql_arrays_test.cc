#include "services/monitoring/store/sql_arrays.h"

#include <gtest/gtest.h>

namespace datamesh::monitoring::store {
namespace {

TEST(SqlArrays, WritesBigintArrays) {
  EXPECT_EQ(BigintArray({}), "{}");
  EXPECT_EQ(BigintArray({1, -2, 9223372036854775807}), "{1,-2,9223372036854775807}");
}

TEST(SqlArrays, QuotesAndEscapesEveryTextElement) {
  EXPECT_EQ(TextArray({}), "{}");
  EXPECT_EQ(TextArray({"", "a b", "NULL", "q\"uote", "back\\slash", "{,}"}),
            R"({"","a b","NULL","q\"uote","back\\slash","{,}"})");
}

TEST(SqlArrays, HexEncodesEveryByte) {
  EXPECT_EQ(Hex(std::string("\x00\x7f\xff\x10", 4)), "007fff10");
  EXPECT_EQ(Hex(""), "");
}

}  // namespace
}  // namespace datamesh::monitoring::store
