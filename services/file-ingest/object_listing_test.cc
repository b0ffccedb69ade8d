#include "services/file-ingest/object_listing.h"

#include <gtest/gtest.h>

namespace datamesh::file_ingest {
namespace {

TEST(PrefixSuccessor, RaisesTheLastCodePoint) {
  EXPECT_EQ(PrefixSuccessor("photos/"), "photos0");
  EXPECT_EQ(PrefixSuccessor("a"), "b");
  EXPECT_EQ(PrefixSuccessor("a\x7f"), "a\xc2\x80");                  // U+007F -> U+0080
  EXPECT_EQ(PrefixSuccessor("x\xc3\xa9"), "x\xc3\xaa");              // é -> ê
  EXPECT_EQ(PrefixSuccessor("x\xed\x9f\xbf"), "x\xee\x80\x80");      // U+D7FF -> U+E000
  EXPECT_EQ(PrefixSuccessor("x\xef\xbf\xbf"), "x\xf0\x90\x80\x80");  // U+FFFF -> U+10000
}

TEST(PrefixSuccessor, DropsTrailingMaximumCodePoints) {
  EXPECT_EQ(PrefixSuccessor("ab\xf4\x8f\xbf\xbf"), "ac");
  EXPECT_EQ(PrefixSuccessor("\xf4\x8f\xbf\xbf"), std::nullopt);
  EXPECT_EQ(PrefixSuccessor(""), std::nullopt);
}

TEST(PrefixSuccessor, BoundsEveryStringWithThePrefix) {
  const std::string prefix = "dir/\xe6\x97\xa5";  // 日
  const std::string end = *PrefixSuccessor(prefix);
  for (const std::string& s : {prefix, prefix + "\xf4\x8f\xbf\xbf", prefix + "zzz"}) {
    EXPECT_LT(s, end) << s;
  }
  EXPECT_GT("dir/\xe6\x97\xa6", prefix);
  EXPECT_LE(end, std::string("dir/\xe6\x97\xa6"));
}

TEST(CommonPrefixOf, RollsUpAtTheFirstDelimiterAfterThePrefix) {
  EXPECT_EQ(CommonPrefixOf("a/b/c", "", "/"), "a/");
  EXPECT_EQ(CommonPrefixOf("a/b/c", "a/", "/"), "a/b/");
  EXPECT_EQ(CommonPrefixOf("a/b", "a/", "/"), std::nullopt);
  EXPECT_EQ(CommonPrefixOf("a/", "a/", "/"), std::nullopt);  // the key equal to the prefix
  EXPECT_EQ(CommonPrefixOf("x--y--z", "x", "--"), "x--");
  EXPECT_EQ(CommonPrefixOf("b/c", "a", "/"), std::nullopt);
  EXPECT_EQ(CommonPrefixOf("a/b", "", ""), std::nullopt);
  EXPECT_EQ(CommonPrefixOf("日/本", "", "/"), "日/");
}

}  // namespace
}  // namespace datamesh::file_ingest
