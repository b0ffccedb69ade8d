#include "shared/text/utf8.h"

#include <gtest/gtest.h>

namespace datamesh::text {
namespace {

TEST(Utf8, AcceptsEveryLengthOfValidSequence) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9"));          // é
  EXPECT_TRUE(IsValidUtf8("\xE2\x82\xAC"));      // €
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
}

TEST(Utf8, RefusesWhatStrictParsersRefuse) {
  EXPECT_FALSE(IsValidUtf8("abc\xff"));
  EXPECT_FALSE(IsValidUtf8("\x80"));              // a lone continuation byte
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // cut short
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong, three bytes
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xF8\x88\x80\x80\x80"));
}

TEST(Utf8, ReplacesEachBadByteAndKeepsTheRest) {
  EXPECT_EQ(ToValidUtf8("a\xff"
                        "b\xC3\xA9"),
            "a\xEF\xBF\xBD"
            "b\xC3\xA9");
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(IsValidUtf8(ToValidUtf8("\xC0\xAF\xF4\x90\x80\x80x")));
}

TEST(Utf8, ControlCharactersAreC0C1AndDelete) {
  EXPECT_TRUE(HasControlCharacter("a\nb"));
  EXPECT_TRUE(HasControlCharacter("a\x7f"));
  EXPECT_TRUE(HasControlCharacter("\xc2\xae\xc2\x8a-"));  // U+008A
  EXPECT_TRUE(HasControlCharacter("\xc2\x80"));
  EXPECT_FALSE(HasControlCharacter("\xc2\xa0"));  // U+00A0 is a space, not a control
  EXPECT_FALSE(HasControlCharacter("\xc2\xae-caf\xc3\xa9/a b"));
  EXPECT_FALSE(HasControlCharacter(""));
}

}  // namespace
}  // namespace datamesh::text
