#include "shared/redis/connection.h"

#include <gtest/gtest.h>

#include "shared/testing/status_matchers.h"

namespace datamesh::redis::internal {
namespace {

using ::datamesh::testing::StatusIs;

TEST(ParseRedisUrl, ReadsHostPortAndDatabase) {
  auto e = ParseRedisUrl("redis://127.0.0.1:7000/3");
  ASSERT_OK(e);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 7000);
  EXPECT_EQ(e->db, 3);
  EXPECT_TRUE(e->password.empty());
}

TEST(ParseRedisUrl, DefaultsPortAndDatabase) {
  auto e = ParseRedisUrl("redis://cache");
  ASSERT_OK(e);
  EXPECT_EQ(e->host, "cache");
  EXPECT_EQ(e->port, 6379);
  EXPECT_EQ(e->db, 0);
  e = ParseRedisUrl("redis://cache:6380/");
  ASSERT_OK(e);
  EXPECT_EQ(e->port, 6380);
  EXPECT_EQ(e->db, 0);
}

TEST(ParseRedisUrl, ReadsCredentialsAndIpv6) {
  auto e = ParseRedisUrl("redis://app:s3:cr@t@[::1]:7001");
  ASSERT_OK(e);
  EXPECT_EQ(e->username, "app");
  EXPECT_EQ(e->password, "s3:cr@t");
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 7001);
  e = ParseRedisUrl("redis://:secret@h");
  ASSERT_OK(e);
  EXPECT_EQ(e->username, "");
  EXPECT_EQ(e->password, "secret");
}

TEST(ParseRedisUrl, RejectsMalformedUrls) {
  for (const char* bad :
       {"", "http://h:1", "redis://", "redis://:1", "redis://h:0", "redis://h:99999", "redis://h:x",
        "redis://h/x", "redis://h/-1", "redis://user@h", "redis://[::1", "redis://h?timeout=1"}) {
    EXPECT_THAT(ParseRedisUrl(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(ErrorReplyToStatus, MapsByErrorPrefixAndKeepsTheMessage) {
  absl::Status s = ErrorReplyToStatus("WRONGTYPE Operation against a key holding the wrong kind");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_NE(s.message().find("WRONGTYPE Operation"), absl::string_view::npos);
  EXPECT_THAT(ErrorReplyToStatus("ERR unknown command"), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(ErrorReplyToStatus("LOADING Redis is loading"),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(ErrorReplyToStatus("OOM command not allowed"),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(ErrorReplyToStatus("NOAUTH Authentication required."),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(ErrorReplyToStatus("NOSCRIPT No matching script"),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace datamesh::redis::internal
