#include "shared/crypto/compare.h"

#include <gtest/gtest.h>

#include <string>

namespace datamesh::crypto {
namespace {

TEST(ConstantTimeEquals, ComparesContentsAndLengths) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "Secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
  EXPECT_FALSE(ConstantTimeEquals("secret", ""));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
}

TEST(ConstantTimeEquals, TreatsBytesAfterNulAsSignificant) {
  EXPECT_TRUE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

TEST(ConstantTimeEquals, DetectsADifferenceInAnyPosition) {
  const std::string base(64, 'x');
  for (size_t i = 0; i < base.size(); ++i) {
    std::string other = base;
    other[i] ^= 1;
    EXPECT_FALSE(ConstantTimeEquals(base, other)) << "byte " << i;
  }
}

}  // namespace
}  // namespace datamesh::crypto
