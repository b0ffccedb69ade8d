#include "shared/crypto/random.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "shared/testing/status_matchers.h"

namespace datamesh::crypto {
namespace {

TEST(RandomBytes, ReturnsRequestedSizeAndDiffersBetweenCalls) {
  absl::StatusOr<std::string> a = RandomBytes(32);
  absl::StatusOr<std::string> b = RandomBytes(32);
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(RandomBytes(0).value(), "");
  EXPECT_OK(RandomBytes(nullptr, 0));
}

TEST(RandomBytes, FillsTheWholeBuffer) {
  // A 4 KiB buffer left at zero anywhere in a 64-byte window would be a 2^-512 event.
  std::string buf(4096, '\0');
  ASSERT_OK(RandomBytes(reinterpret_cast<uint8_t*>(buf.data()), buf.size()));
  for (size_t i = 0; i + 64 <= buf.size(); i += 64) {
    EXPECT_NE(buf.substr(i, 64), std::string(64, '\0')) << "window at " << i;
  }
}

TEST(RandomToken, IsUrlSafeAnd256Bits) {
  absl::StatusOr<std::string> token = RandomToken();
  ASSERT_OK(token);
  EXPECT_TRUE(std::regex_match(*token, std::regex("[A-Za-z0-9_-]{43}"))) << *token;
  EXPECT_NE(*token, RandomToken().value());
}

TEST(NewUuid, IsCanonicalVersion4AndUnique) {
  const std::regex pattern("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    absl::StatusOr<std::string> uuid = NewUuid();
    ASSERT_OK(uuid);
    ASSERT_TRUE(std::regex_match(*uuid, pattern)) << *uuid;
    seen.insert(*uuid);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace datamesh::crypto
