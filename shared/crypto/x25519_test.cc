#include "shared/crypto/x25519.h"

#include <gtest/gtest.h>

#include <string>

#include "shared/crypto/encoding.h"
#include "shared/crypto/test_hex.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::crypto {
namespace {

using ::datamesh::testing::StatusIs;

// RFC 7748 §6.1.
constexpr std::string_view kAlicePrivate =
    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
constexpr std::string_view kAlicePublic =
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
constexpr std::string_view kBobPrivate =
    "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
constexpr std::string_view kBobPublic =
    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
constexpr std::string_view kShared =
    "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

TEST(X25519, MatchesRfc7748AliceAndBob) {
  absl::StatusOr<X25519PrivateKey> alice = X25519PrivateKey::FromBytes(Unhex(kAlicePrivate));
  absl::StatusOr<X25519PrivateKey> bob = X25519PrivateKey::FromBytes(Unhex(kBobPrivate));
  ASSERT_OK(alice);
  ASSERT_OK(bob);
  EXPECT_EQ(HexEncode(alice->public_key()), kAlicePublic);
  EXPECT_EQ(HexEncode(bob->public_key()), kBobPublic);

  absl::StatusOr<SecretBytes> alice_shared = alice->SharedSecret(bob->public_key());
  absl::StatusOr<SecretBytes> bob_shared = bob->SharedSecret(alice->public_key());
  ASSERT_OK(alice_shared);
  ASSERT_OK(bob_shared);
  EXPECT_EQ(HexEncode(alice_shared->view()), kShared);
  EXPECT_EQ(HexEncode(bob_shared->view()), kShared);
}

TEST(X25519, GeneratedKeysAgreeAndSurviveExport) {
  absl::StatusOr<X25519PrivateKey> a = X25519PrivateKey::Generate();
  absl::StatusOr<X25519PrivateKey> b = X25519PrivateKey::Generate();
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_EQ(a->public_key().size(), kX25519KeySize);
  EXPECT_NE(a->public_key(), b->public_key());
  EXPECT_EQ(a->SharedSecret(b->public_key()).value().view(),
            b->SharedSecret(a->public_key()).value().view());

  absl::StatusOr<SecretBytes> raw = a->ToBytes();
  ASSERT_OK(raw);
  EXPECT_EQ(raw->size(), kX25519KeySize);
  absl::StatusOr<X25519PrivateKey> reloaded = X25519PrivateKey::FromBytes(raw->view());
  ASSERT_OK(reloaded);
  EXPECT_EQ(reloaded->public_key(), a->public_key());
}

TEST(X25519, RejectsMalformedAndLowOrderKeys) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(X25519PrivateKey::FromBytes(std::string(31, 'k')), StatusIs(kInvalid));
  X25519PrivateKey key = X25519PrivateKey::Generate().value();
  EXPECT_THAT(key.SharedSecret(std::string(33, 'p')), StatusIs(kInvalid));
  EXPECT_THAT(key.SharedSecret(""), StatusIs(kInvalid));
  // u = 0 and u = 1 are low-order points: the shared secret would be all zeros.
  EXPECT_THAT(key.SharedSecret(std::string(32, '\0')), StatusIs(kInvalid));
  std::string one(32, '\0');
  one[0] = 1;
  EXPECT_THAT(key.SharedSecret(one), StatusIs(kInvalid));
}

}  // namespace
}  // namespace datamesh::crypto
