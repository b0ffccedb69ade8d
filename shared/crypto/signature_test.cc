#include "shared/crypto/signature.h"

#include <gtest/gtest.h>

#include <string>

#include "shared/crypto/encoding.h"
#include "shared/crypto/test_hex.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::crypto {
namespace {

using ::datamesh::testing::StatusIs;

struct Rfc8032Case {
  std::string_view secret, public_key, message, signature;
};

// RFC 8032 §7.1, TEST 1-3.
constexpr Rfc8032Case kCases[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
     "46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11"
     "d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc"
     "6594a7c15e9716ed28dc027beceea1ec40a"},
};

TEST(Ed25519, MatchesRfc8032Vectors) {
  for (const Rfc8032Case& c : kCases) {
    absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::FromBytes(Unhex(c.secret));
    ASSERT_OK(key);
    EXPECT_EQ(HexEncode(key->public_key()), c.public_key);
    const std::string message = Unhex(c.message);
    absl::StatusOr<std::string> signature = key->Sign(message);
    ASSERT_OK(signature);
    EXPECT_EQ(HexEncode(*signature), c.signature);
    EXPECT_OK(Ed25519Verify(Unhex(c.public_key), message, Unhex(c.signature)));
  }
}

TEST(Ed25519, ModifiedMessageOrSignatureFails) {
  for (const Rfc8032Case& c : kCases) {
    const std::string public_key = Unhex(c.public_key);
    const std::string signature = Unhex(c.signature);
    const std::string message = Unhex(c.message);
    EXPECT_THAT(Ed25519Verify(public_key, message + "x", signature),
                StatusIs(absl::StatusCode::kDataLoss));
    for (size_t bit = 0; bit < signature.size() * 8; bit += 7) {
      std::string tampered = signature;
      tampered[bit / 8] ^= static_cast<char>(1 << (bit % 8));
      EXPECT_THAT(Ed25519Verify(public_key, message, tampered),
                  StatusIs(absl::StatusCode::kDataLoss))
          << "bit " << bit;
    }
  }
  const std::string message = Unhex(kCases[2].message);
  std::string altered = message;
  altered[0] ^= 1;
  EXPECT_THAT(Ed25519Verify(Unhex(kCases[2].public_key), altered, Unhex(kCases[2].signature)),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(Ed25519, WrongKeyOrMalformedInputsFail) {
  const std::string signature = Unhex(kCases[0].signature);
  EXPECT_THAT(Ed25519Verify(Unhex(kCases[1].public_key), "", signature),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Ed25519Verify(Unhex(kCases[0].public_key), "", signature.substr(1)),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Ed25519Verify(std::string(31, 'p'), "", signature),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Ed25519PrivateKey::FromBytes(std::string(33, 's')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Ed25519, GeneratedKeySignsAndReloads) {
  absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::Generate();
  ASSERT_OK(key);
  const std::string signature = key->Sign("proposal 42: yes").value();
  EXPECT_EQ(signature.size(), kEd25519SignatureSize);
  EXPECT_OK(Ed25519Verify(key->public_key(), "proposal 42: yes", signature));
  EXPECT_THAT(Ed25519Verify(key->public_key(), "proposal 42: no", signature),
              StatusIs(absl::StatusCode::kDataLoss));

  absl::StatusOr<Ed25519PrivateKey> reloaded = Ed25519PrivateKey::FromBytes(key->ToBytes()->view());
  ASSERT_OK(reloaded);
  EXPECT_EQ(reloaded->public_key(), key->public_key());
  EXPECT_EQ(reloaded->Sign("proposal 42: yes").value(), signature);  // deterministic
}

}  // namespace
}  // namespace datamesh::crypto
