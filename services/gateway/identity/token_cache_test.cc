#include "services/gateway/identity/token_cache.h"

#include <gtest/gtest.h>

namespace datamesh::gateway {
namespace {

class TokenCacheTest : public ::testing::Test {
 protected:
  TokenCache Make(size_t max_entries) {
    return TokenCache({.ttl = absl::Seconds(3), .max_entries = max_entries},
                      [this] { return now_; });
  }
  static Caller User(std::string id) {
    Caller c;
    c.user_id = std::move(id);
    return c;
  }
  absl::Time now_ = absl::FromUnixSeconds(1'000'000);
};

TEST_F(TokenCacheTest, HitUntilTtlThenMiss) {
  TokenCache cache = Make(10);
  cache.Put("h1", User("u1"));
  now_ += absl::Seconds(2);
  ASSERT_TRUE(cache.Get("h1").has_value());
  EXPECT_EQ(cache.Get("h1")->user_id, "u1");
  now_ += absl::Seconds(1);
  EXPECT_FALSE(cache.Get("h1").has_value());
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(TokenCacheTest, EraseDropsAtOnce) {
  TokenCache cache = Make(10);
  cache.Put("h1", User("u1"));
  cache.Erase("h1");
  EXPECT_FALSE(cache.Get("h1").has_value());
}

TEST_F(TokenCacheTest, BoundedEvictsOldestFirst) {
  TokenCache cache = Make(2);
  cache.Put("a", User("a"));
  now_ += absl::Milliseconds(10);
  cache.Put("b", User("b"));
  now_ += absl::Milliseconds(10);
  cache.Put("c", User("c"));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.Get("a").has_value());
  EXPECT_TRUE(cache.Get("b").has_value());
  EXPECT_TRUE(cache.Get("c").has_value());
}

TEST_F(TokenCacheTest, ZeroCapacityCachesNothing) {
  TokenCache cache = Make(0);
  cache.Put("a", User("a"));
  EXPECT_FALSE(cache.Get("a").has_value());
}

}  // namespace
}  // namespace datamesh::gateway
