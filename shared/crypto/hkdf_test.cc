#include "shared/crypto/hkdf.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "shared/crypto/encoding.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::crypto {
namespace {

using ::datamesh::testing::StatusIs;

std::string Range(int first, int last) {
  std::string out;
  for (int i = first; i <= last; ++i) out.push_back(static_cast<char>(i));
  return out;
}

struct Rfc5869Case {
  std::string ikm, salt, info;
  size_t length;
  std::string prk_hex, okm_hex;
};

// RFC 5869 Appendix A.1-A.3 (the SHA-256 cases).
std::vector<Rfc5869Case> Rfc5869Cases() {
  return {
      {std::string(22, '\x0b'), Range(0x00, 0x0c), Range(0xf0, 0xf9), 42,
       "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
       "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
      {Range(0x00, 0x4f), Range(0x60, 0xaf), Range(0xb0, 0xff), 82,
       "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
       "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
       "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
       "cc30c58179ec3e87c14c01d5c1f3434f1d87"},
      {std::string(22, '\x0b'), "", "", 42,
       "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
       "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
  };
}

TEST(HkdfSha256, MatchesRfc5869Vectors) {
  for (const Rfc5869Case& c : Rfc5869Cases()) {
    absl::StatusOr<SecretBytes> okm = HkdfSha256(c.ikm, c.salt, c.info, c.length);
    ASSERT_OK(okm);
    EXPECT_EQ(HexEncode(okm->view()), c.okm_hex);
  }
}

TEST(HkdfSha256, ExtractAndExpandMatchRfc5869Vectors) {
  for (const Rfc5869Case& c : Rfc5869Cases()) {
    absl::StatusOr<SecretBytes> prk = HkdfSha256Extract(c.ikm, c.salt);
    ASSERT_OK(prk);
    EXPECT_EQ(HexEncode(prk->view()), c.prk_hex);
    absl::StatusOr<SecretBytes> okm = HkdfSha256Expand(prk->view(), c.info, c.length);
    ASSERT_OK(okm);
    EXPECT_EQ(HexEncode(okm->view()), c.okm_hex);
  }
}

TEST(HkdfSha256, EmptySaltEqualsZeroSalt) {
  EXPECT_EQ(HkdfSha256("ikm", "", "info", 32).value().view(),
            HkdfSha256("ikm", std::string(32, '\0'), "info", 32).value().view());
}

TEST(HkdfSha256, DifferentInfoGivesIndependentKeys) {
  EXPECT_NE(HkdfSha256("ikm", "salt", "purpose a", 32).value().view(),
            HkdfSha256("ikm", "salt", "purpose b", 32).value().view());
  // A shorter output is a prefix of a longer one with the same inputs.
  EXPECT_EQ(HkdfSha256("ikm", "salt", "info", 16).value().view(),
            HkdfSha256("ikm", "salt", "info", 64).value().view().substr(0, 16));
}

TEST(HkdfSha256, RejectsOutOfRangeLengthsAndInfo) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(HkdfSha256("ikm", "", "", 0), StatusIs(kInvalid));
  EXPECT_THAT(HkdfSha256("ikm", "", "", kHkdfSha256MaxLength + 1), StatusIs(kInvalid));
  EXPECT_OK(HkdfSha256("ikm", "", "", kHkdfSha256MaxLength));
  EXPECT_THAT(HkdfSha256("ikm", "", std::string(kHkdfMaxInfoLength + 1, 'i'), 32),
              StatusIs(kInvalid));
  EXPECT_OK(HkdfSha256("ikm", "", std::string(kHkdfMaxInfoLength, 'i'), 32));
  EXPECT_THAT(HkdfSha256Expand("short prk", "", 32), StatusIs(kInvalid));
}

}  // namespace
}  // namespace datamesh::crypto
