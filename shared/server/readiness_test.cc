#include "shared/server/readiness.h"

#include <gtest/gtest.h>

#include "prometheus/text_serializer.h"

namespace datamesh::server {
namespace {

std::string Scrape(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

TEST(Readiness, NotReadyBeforeTheFirstEvaluation) {
  prometheus::Registry registry;
  Readiness r(registry, "auth");
  r.Add("postgres", [] { return absl::OkStatus(); });
  EXPECT_FALSE(r.ready());
  EXPECT_TRUE(r.Evaluate());
  EXPECT_TRUE(r.ready());
}

TEST(Readiness, OneFailingCheckMakesItNotReadyAndIsReported) {
  prometheus::Registry registry;
  Readiness r(registry, "auth");
  bool redis_up = true;
  r.Add("postgres", [] { return absl::OkStatus(); });
  r.Add("redis", [&] { return redis_up ? absl::OkStatus() : absl::UnavailableError("down"); });
  EXPECT_TRUE(r.Evaluate());
  redis_up = false;
  EXPECT_FALSE(r.Evaluate());
  EXPECT_FALSE(r.ready());
  auto results = r.Results();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].second.ok());
  EXPECT_EQ(results[1].first, "redis");
  EXPECT_EQ(results[1].second.code(), absl::StatusCode::kUnavailable);
  std::string text = Scrape(registry);
  EXPECT_NE(text.find("datamesh_dependency_up{dependency=\"redis\",service=\"auth\"} 0"),
            std::string::npos)
      << text;
  redis_up = true;
  EXPECT_TRUE(r.Evaluate());
}

}  // namespace
}  // namespace datamesh::server
