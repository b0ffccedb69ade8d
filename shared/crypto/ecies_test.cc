#include "shared/crypto/ecies.h"

#include <gtest/gtest.h>

#include <string>

#include "shared/crypto/random.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::crypto {
namespace {

using ::datamesh::testing::StatusIs;

TEST(Ecies, RoundTripsSizesIncludingEmpty) {
  X25519PrivateKey recipient = X25519PrivateKey::Generate().value();
  for (size_t size : {0, 1, 32, 1000, 65537}) {
    const std::string plaintext = RandomBytes(size).value();
    absl::StatusOr<std::string> sealed = EciesSeal(recipient.public_key(), plaintext, "file-1");
    ASSERT_OK(sealed);
    EXPECT_EQ(sealed->size(), size + kEciesOverhead);
    EXPECT_EQ(static_cast<uint8_t>((*sealed)[0]), kEciesVersion1);
    absl::StatusOr<SecretBytes> opened = EciesOpen(recipient, *sealed, "file-1");
    ASSERT_OK(opened);
    EXPECT_EQ(opened->view(), plaintext) << "size " << size;
  }
}

TEST(Ecies, SealingTwiceGivesDifferentMessages) {
  X25519PrivateKey recipient = X25519PrivateKey::Generate().value();
  const std::string a = EciesSeal(recipient.public_key(), "data key").value();
  const std::string b = EciesSeal(recipient.public_key(), "data key").value();
  EXPECT_NE(a, b);
  EXPECT_NE(a.substr(1, 32), b.substr(1, 32));  // fresh ephemeral key each time
}

TEST(Ecies, WrongPrivateKeyIsRejected) {
  X25519PrivateKey recipient = X25519PrivateKey::Generate().value();
  X25519PrivateKey other = X25519PrivateKey::Generate().value();
  const std::string sealed = EciesSeal(recipient.public_key(), "data key").value();
  EXPECT_THAT(EciesOpen(other, sealed), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(Ecies, WrongAadIsRejected) {
  X25519PrivateKey recipient = X25519PrivateKey::Generate().value();
  const std::string sealed = EciesSeal(recipient.public_key(), "data key", "file-1").value();
  EXPECT_THAT(EciesOpen(recipient, sealed, "file-2"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(EciesOpen(recipient, sealed), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(Ecies, EverySingleBitFlipIsRejected) {
  X25519PrivateKey recipient = X25519PrivateKey::Generate().value();
  const std::string sealed =
      EciesSeal(recipient.public_key(), std::string(32, 'k'), "file-1").value();
  for (size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    std::string tampered = sealed;
    tampered[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    // A changed version byte is an unknown format; anything else fails authentication.
    const absl::StatusCode expected =
        bit < 8 ? absl::StatusCode::kUnimplemented : absl::StatusCode::kDataLoss;
    EXPECT_THAT(EciesOpen(recipient, tampered, "file-1"), StatusIs(expected)) << "bit " << bit;
  }
}

TEST(Ecies, TruncatedMessagesAreRejected) {
  X25519PrivateKey recipient = X25519PrivateKey::Generate().value();
  const std::string sealed = EciesSeal(recipient.public_key(), "data key").value();
  for (size_t length = 0; length < sealed.size(); ++length) {
    EXPECT_THAT(EciesOpen(recipient, sealed.substr(0, length)),
                StatusIs(absl::StatusCode::kDataLoss))
        << "length " << length;
  }
}

TEST(Ecies, RejectsMalformedRecipientKeys) {
  EXPECT_THAT(EciesSeal(std::string(31, 'p'), "x"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EciesSeal(std::string(32, '\0'), "x"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace datamesh::crypto
