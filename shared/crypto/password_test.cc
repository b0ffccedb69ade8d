#include "shared/crypto/password.h"

#include <gtest/gtest.h>

#include <string>

#include "shared/crypto/encoding.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::crypto {
namespace {

using ::datamesh::testing::StatusIs;

// Small parameters keep the tests fast; the format and logic do not depend on them.
constexpr ScryptParams kFast{.n = 1024, .r = 8, .p = 1};

// RFC 7914 §12, the first two vectors.
TEST(Scrypt, MatchesRfc7914Vectors) {
  absl::StatusOr<SecretBytes> empty = Scrypt("", "", {.n = 16, .r = 1, .p = 1}, 64);
  ASSERT_OK(empty);
  EXPECT_EQ(HexEncode(empty->view()),
            "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
            "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
  absl::StatusOr<SecretBytes> nacl = Scrypt("password", "NaCl", {.n = 1024, .r = 8, .p = 16}, 64);
  ASSERT_OK(nacl);
  EXPECT_EQ(HexEncode(nacl->view()),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
            "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
}

TEST(Scrypt, RejectsOutOfRangeParameters) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(Scrypt("pw", "salt", {.n = 1000, .r = 8, .p = 1}, 32), StatusIs(kInvalid));
  EXPECT_THAT(Scrypt("pw", "salt", {.n = 1, .r = 8, .p = 1}, 32), StatusIs(kInvalid));
  EXPECT_THAT(Scrypt("pw", "salt", {.n = 1 << 21, .r = 8, .p = 1}, 32), StatusIs(kInvalid));
  EXPECT_THAT(Scrypt("pw", "salt", {.n = 1024, .r = 0, .p = 1}, 32), StatusIs(kInvalid));
  EXPECT_THAT(Scrypt("pw", "salt", {.n = 1024, .r = 8, .p = 0}, 32), StatusIs(kInvalid));
  EXPECT_THAT(Scrypt("pw", "salt", {.n = 1 << 20, .r = 16, .p = 1}, 32), StatusIs(kInvalid));
  EXPECT_THAT(Scrypt("pw", "salt", kFast, 0), StatusIs(kInvalid));
  EXPECT_OK(ValidateScryptParams(ScryptParams{}));
}

TEST(HashPassword, ProducesSelfDescribingStringThatVerifies) {
  absl::StatusOr<std::string> stored = HashPassword("correct horse", kFast);
  ASSERT_OK(stored);
  EXPECT_TRUE(stored->starts_with("scrypt$1024$8$1$")) << *stored;
  EXPECT_OK(VerifyPassword("correct horse", *stored));
  EXPECT_THAT(VerifyPassword("correct horsE", *stored),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(VerifyPassword("", *stored), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(HashPassword, UsesAFreshSaltEachTime) {
  const std::string a = HashPassword("same password", kFast).value();
  const std::string b = HashPassword("same password", kFast).value();
  EXPECT_NE(a, b);
  EXPECT_OK(VerifyPassword("same password", a));
  EXPECT_OK(VerifyPassword("same password", b));
}

TEST(HashPassword, DefaultParametersWork) {
  const std::string stored = HashPassword("default cost").value();
  EXPECT_TRUE(stored.starts_with("scrypt$32768$8$1$")) << stored;
  EXPECT_OK(VerifyPassword("default cost", stored));
  EXPECT_FALSE(NeedsRehash(stored));
}

TEST(VerifyPassword, RejectsMalformedStoredHashes) {
  const std::string good = HashPassword("pw", kFast).value();
  const std::string salt_and_hash = good.substr(std::string("scrypt$1024$8$1$").size());
  const std::string bad[] = {
      "",
      "scrypt",
      "argon2$1024$8$1$" + salt_and_hash,
      "scrypt$1000$8$1$" + salt_and_hash,   // N not a power of two
      "scrypt$01024$8$1$" + salt_and_hash,  // non-canonical number
      "scrypt$1024$8$1$$" + salt_and_hash,  // extra field
      "scrypt$1024$8$" + salt_and_hash,     // missing field
      "scrypt$1024$8$1$!!!$AAAAAAAAAAAAAAAAAAAAAA==",
      "scrypt$1024$8$1$AAAA$AAAAAAAAAAAAAAAAAAAAAA==",  // salt too short
  };
  for (const std::string& stored : bad) {
    EXPECT_THAT(VerifyPassword("pw", stored), StatusIs(absl::StatusCode::kInvalidArgument))
        << stored;
    EXPECT_TRUE(NeedsRehash(stored, kFast)) << stored;
  }
}

TEST(NeedsRehash, ComparesParameters) {
  const std::string stored = HashPassword("pw", kFast).value();
  EXPECT_FALSE(NeedsRehash(stored, kFast));
  EXPECT_TRUE(NeedsRehash(stored, {.n = 2048, .r = 8, .p = 1}));
  EXPECT_TRUE(NeedsRehash(stored, {.n = 1024, .r = 4, .p = 1}));
  EXPECT_TRUE(NeedsRehash(stored, {.n = 1024, .r = 8, .p = 2}));
  EXPECT_TRUE(NeedsRehash(stored));
}

TEST(DeriveKeyFromPassword, IsDeterministicPerSaltAndPassword) {
  const std::string salt(kPasswordSaltSize, 's');
  absl::StatusOr<SecretBytes> key = DeriveKeyFromPassword("pw", salt, kFast);
  ASSERT_OK(key);
  EXPECT_EQ(key->size(), kPasswordKeySize);
  EXPECT_EQ(DeriveKeyFromPassword("pw", salt, kFast).value().view(), key->view());
  EXPECT_NE(DeriveKeyFromPassword("pW", salt, kFast).value().view(), key->view());
  EXPECT_NE(DeriveKeyFromPassword("pw", std::string(kPasswordSaltSize, 't'), kFast).value().view(),
            key->view());
  EXPECT_THAT(DeriveKeyFromPassword("pw", "short salt", kFast),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace datamesh::crypto
