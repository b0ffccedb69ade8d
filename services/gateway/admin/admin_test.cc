// Pure pieces of the admin routes and upload options: RFC 3339 query times, the directory of
// service instances, upload ids and dropping a user's cached tokens.
#include <gtest/gtest.h>

#include "services/gateway/admin/admin_routes.h"
#include "services/gateway/identity/token_cache.h"
#include "services/gateway/transfer/file_upload.h"
#include "services/gateway/upstream/service_directory.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::gateway {
namespace {

using ::datamesh::testing::StatusIs;

TEST(ParseQueryTime, AcceptsRfc3339Only) {
  absl::StatusOr<absl::Time> t = ParseQueryTime("from", "2026-01-02T03:04:05Z");
  ASSERT_OK(t);
  EXPECT_EQ(absl::ToUnixSeconds(*t), 1767323045);
  ASSERT_OK(ParseQueryTime("to", "2026-01-02T03:04:05.123+02:00"));
  for (const char* bad : {"", "yesterday", "2026-01-02", "1767323045", "2026-13-02T00:00:00Z"}) {
    EXPECT_THAT(ParseQueryTime("from", bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

events::v1::ServiceHeartbeat Beat(const std::string& service, const std::string& instance) {
  events::v1::ServiceHeartbeat b;
  b.set_service(service);
  b.set_instance_id(instance);
  b.set_version("1.2.3");
  return b;
}

TEST(ServiceDirectory, KeepsRecentInstancesPerServiceAndForgetsQuietOnes) {
  ServiceDirectory dir;
  const absl::Time t0 = absl::FromUnixSeconds(1'000'000);
  dir.Observe(Beat("auth", "a1"), t0);
  dir.Observe(Beat("auth", "a2"), t0 + absl::Seconds(8));
  dir.Observe(Beat("quota", "q1"), t0 + absl::Seconds(9));
  dir.Observe(Beat("auth", "a1"), t0 + absl::Seconds(1));  // newer beat of a1 replaces it
  dir.Observe(Beat("", "x"), t0);                          // malformed: ignored

  auto snap = dir.Snapshot(t0 + absl::Seconds(10), absl::Seconds(10));
  ASSERT_EQ(snap.size(), 2u);
  ASSERT_EQ(snap["auth"].size(), 2u);
  EXPECT_EQ(snap["auth"][0].heartbeat.instance_id(), "a1");
  EXPECT_EQ(snap["auth"][0].last_seen, t0 + absl::Seconds(1));
  EXPECT_EQ(snap["quota"][0].heartbeat.version(), "1.2.3");

  snap = dir.Snapshot(t0 + absl::Seconds(15), absl::Seconds(10));
  ASSERT_EQ(snap["auth"].size(), 1u);
  EXPECT_EQ(snap["auth"][0].heartbeat.instance_id(), "a2");
  // Forgotten for good, even with a wider window later.
  snap = dir.Snapshot(t0 + absl::Seconds(15), absl::Hours(1));
  EXPECT_EQ(snap["auth"].size(), 1u);
}

TEST(UploadId, OneTo64OfTheSafeAlphabet) {
  EXPECT_TRUE(IsValidUploadId("a"));
  EXPECT_TRUE(IsValidUploadId("Up_load-42"));
  EXPECT_TRUE(IsValidUploadId(std::string(64, 'x')));
  EXPECT_FALSE(IsValidUploadId(""));
  EXPECT_FALSE(IsValidUploadId(std::string(65, 'x')));
  EXPECT_FALSE(IsValidUploadId("has space"));
  EXPECT_FALSE(IsValidUploadId("dot.ted"));
  EXPECT_FALSE(IsValidUploadId("caf\xc3\xa9"));
}

TEST(TokenCache, EraseUserDropsEveryTokenOfThatUserOnly) {
  TokenCache cache(TokenCache::Options{});
  Caller alice{.user_id = "u1"};
  Caller bob{.user_id = "u2"};
  cache.Put("t1", alice);
  cache.Put("t2", alice);
  cache.Put("t3", bob);
  cache.EraseUser("u1");
  EXPECT_FALSE(cache.Get("t1").has_value());
  EXPECT_FALSE(cache.Get("t2").has_value());
  ASSERT_TRUE(cache.Get("t3").has_value());
  EXPECT_EQ(cache.Get("t3")->user_id, "u2");
}

}  // namespace
}  // namespace datamesh::gateway
