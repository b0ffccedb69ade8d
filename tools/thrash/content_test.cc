#include "tools/thrash/content.h"

#include <gtest/gtest.h>

#include <string>

namespace datamesh::thrash {
namespace {

std::string Bytes(const Content& c, uint64_t key, uint64_t offset, size_t len) {
  std::string out(len, '\0');
  c.Fill(key, offset, len, out.data());
  return out;
}

TEST(Content, IsAFunctionOfSeedFileAndOffsetOnly) {
  const Content a(7), again(7), other_seed(8);
  EXPECT_EQ(Bytes(a, FileKey(1, 2), 0, 4096), Bytes(again, FileKey(1, 2), 0, 4096));
  EXPECT_NE(Bytes(a, FileKey(1, 2), 0, 4096), Bytes(other_seed, FileKey(1, 2), 0, 4096));
  EXPECT_NE(Bytes(a, FileKey(1, 2), 0, 4096), Bytes(a, FileKey(1, 3), 0, 4096));
  EXPECT_NE(Bytes(a, FileKey(1, 2), 0, 4096), Bytes(a, FileKey(2, 2), 0, 4096));
  // Two segments of one file differ too: a segment served in another's place cannot match.
  EXPECT_NE(Bytes(a, FileKey(1, 2), 0, 4096), Bytes(a, FileKey(1, 2), 4 << 20, 4096));
}

TEST(Content, PiecesAtAnyOffsetMatchTheWhole) {
  const Content c(99);
  const std::string whole = Bytes(c, FileKey(0, 5), 0, 1000);
  for (uint64_t offset : {0, 1, 3, 7, 8, 9, 500, 993}) {
    for (size_t len : {size_t{0}, size_t{1}, size_t{5}, size_t{8}, size_t{7}}) {
      if (offset + len > whole.size()) continue;
      EXPECT_EQ(Bytes(c, FileKey(0, 5), offset, len), whole.substr(offset, len))
          << offset << "+" << len;
    }
  }
}

TEST(Content, TheVerifierAcceptsTheRightBytesInAnyPieces) {
  const Content c(3);
  const std::string body = Bytes(c, FileKey(2, 9), 100, 50'000);
  ContentVerifier v(c, FileKey(2, 9), 100, body.size());
  for (size_t at = 0; at < body.size(); at += 777) {
    ASSERT_TRUE(v.Accept(std::string_view(body).substr(at, 777))) << v.error();
  }
  EXPECT_EQ(v.received(), body.size());
}

TEST(Content, TheVerifierNamesTheFirstWrongByteAndStops) {
  const Content c(3);
  std::string body = Bytes(c, FileKey(2, 9), 4096, 10'000);
  body[6'000] ^= 0x01;
  ContentVerifier v(c, FileKey(2, 9), 4096, body.size());
  EXPECT_TRUE(v.Accept(std::string_view(body).substr(0, 5'000)));
  EXPECT_FALSE(v.Accept(std::string_view(body).substr(5'000)));
  EXPECT_EQ(v.error(), "wrong byte at file offset 10096");
  EXPECT_EQ(v.received(), 5'000u);
  EXPECT_FALSE(v.Accept(""));  // stays failed
}

TEST(Content, TheVerifierRefusesMoreBytesThanAskedForAndBytesOfAnotherFile) {
  const Content c(3);
  const std::string body = Bytes(c, FileKey(0, 1), 0, 101);
  ContentVerifier too_long(c, FileKey(0, 1), 0, 100);
  EXPECT_FALSE(too_long.Accept(body));
  EXPECT_NE(too_long.error().find("more bytes than asked for"), std::string::npos);
  ContentVerifier other_file(c, FileKey(0, 2), 0, 101);
  EXPECT_FALSE(other_file.Accept(body));
}

}  // namespace
}  // namespace datamesh::thrash
