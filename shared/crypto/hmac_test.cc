#include "shared/crypto/hmac.h"

#include <gtest/gtest.h>

#include <string>

#include "shared/crypto/encoding.h"
#include "shared/crypto/test_hex.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::crypto {
namespace {

std::string HexHmac(std::string_view key, std::string_view data) {
  absl::StatusOr<Sha256Digest> mac = HmacSha256(key, data);
  EXPECT_OK(mac);
  return mac.ok() ? HexEncode(*mac) : "";
}

// RFC 4231 §4.2-4.5 and 4.7-4.8 (4.6 is a truncated output).
TEST(HmacSha256, MatchesRfc4231Vectors) {
  EXPECT_EQ(HexHmac(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexHmac("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexHmac(std::string(20, '\xaa'), std::string(50, '\xdd')),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  EXPECT_EQ(
      HexHmac(Unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd')),
      "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  EXPECT_EQ(
      HexHmac(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(HexHmac(std::string(131, '\xaa'),
                    "This is a test using a larger than block-size key and a larger than "
                    "block-size data. The key needs to be hashed before being used by the HMAC "
                    "algorithm."),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(HmacSha256, AcceptsEmptyKeyAndMessage) {
  // An empty key is HMAC with a key of 64 zero bytes (keys are zero-padded to the block size).
  EXPECT_EQ(HexHmac("", ""), HexHmac(std::string(64, '\0'), ""));
  EXPECT_NE(HexHmac("", "a"), HexHmac("", ""));
}

TEST(HmacSha256, DependsOnKeyAndMessage) {
  EXPECT_NE(HexHmac("key1", "message"), HexHmac("key2", "message"));
  EXPECT_NE(HexHmac("key", "message1"), HexHmac("key", "message2"));
}

}  // namespace
}  // namespace datamesh::crypto
