#include "shared/crypto/encoding.h"

#include <gtest/gtest.h>

#include <string>

#include "shared/testing/status_matchers.h"

namespace datamesh::crypto {
namespace {

using ::datamesh::testing::StatusIs;

TEST(Hex, EncodesLowerCaseAndDecodesEitherCase) {
  EXPECT_EQ(HexEncode(std::string_view("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(HexEncode(std::string_view()), "");
  EXPECT_EQ(HexDecode("0001ABff").value(), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(HexDecode("").value(), "");
}

TEST(Hex, RejectsOddLengthAndNonHexCharacters) {
  EXPECT_THAT(HexDecode("abc"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(HexDecode("0g"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(HexDecode(" 00"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Hex, RoundTripsEveryByteValue) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(HexDecode(HexEncode(all)).value(), all);
}

// RFC 4648 §10.
TEST(Base64, MatchesRfc4648Vectors) {
  const std::pair<std::string, std::string> cases[] = {{"", ""},
                                                       {"f", "Zg=="},
                                                       {"fo", "Zm8="},
                                                       {"foo", "Zm9v"},
                                                       {"foob", "Zm9vYg=="},
                                                       {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded).value(), plain);
    std::string unpadded = encoded.substr(0, encoded.find('='));
    EXPECT_EQ(Base64Encode(plain, Base64Variant::kUrlSafe), unpadded);
    EXPECT_EQ(Base64Decode(unpadded, Base64Variant::kUrlSafe).value(), plain);
  }
}

TEST(Base64, UsesEachVariantsAlphabet) {
  const std::string bytes("\xfb\xff", 2);
  EXPECT_EQ(Base64Encode(bytes), "+/8=");
  EXPECT_EQ(Base64Encode(bytes, Base64Variant::kUrlSafe), "-_8");
  EXPECT_THAT(Base64Decode("-_8="), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64Decode("+/8", Base64Variant::kUrlSafe),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Base64, RejectsNonCanonicalText) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(Base64Decode("Zg"), StatusIs(kInvalid));  // standard needs padding
  EXPECT_THAT(Base64Decode("Zg==", Base64Variant::kUrlSafe), StatusIs(kInvalid));
  EXPECT_THAT(Base64Decode("Zh=="), StatusIs(kInvalid));    // non-zero unused bits
  EXPECT_THAT(Base64Decode("Z==="), StatusIs(kInvalid));    // impossible length
  EXPECT_THAT(Base64Decode("Zm9v\n"), StatusIs(kInvalid));  // stray character
  EXPECT_THAT(Base64Decode("Z=g="), StatusIs(kInvalid));    // padding in the middle
}

TEST(Base64, RoundTripsAllLengths) {
  std::string data;
  for (int len = 0; len < 70; ++len) {
    for (auto variant : {Base64Variant::kStandard, Base64Variant::kUrlSafe}) {
      EXPECT_EQ(Base64Decode(Base64Encode(data, variant), variant).value(), data);
    }
    data.push_back(static_cast<char>(len * 37 + 11));
  }
}

}  // namespace
}  // namespace datamesh::crypto
