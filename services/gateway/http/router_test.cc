#include "services/gateway/http/router.h"

#include <gtest/gtest.h>

namespace datamesh::gateway::http {
namespace {

Handler Tagged(int* out, int tag) {
  return [out, tag](const Request&, BodyReader&, ResponseWriter&) { *out = tag; };
}

std::vector<std::string> Segs(std::initializer_list<const char*> s) {
  return std::vector<std::string>(s.begin(), s.end());
}

TEST(Router, PrefersLiteralsOverParamsOverRest) {
  Router router;
  int unused = 0;
  router.Handle("GET", "/files/{id}", Tagged(&unused, 1));
  router.Handle("GET", "/files/special", Tagged(&unused, 2));
  router.Handle("GET", "/{path*}", Tagged(&unused, 3));

  auto m = router.Find("GET", Segs({"files", "special"}));
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/files/special");

  m = router.Find("GET", Segs({"files", "f1"}));
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/files/{id}");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].second, "f1");

  m = router.Find("GET", Segs({"ui", "js", "app.js"}));
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/{path*}");
  EXPECT_EQ(m.params[0].second, "ui/js/app.js");
}

TEST(Router, ReportsAllowedMethodsWhenOnlyTheMethodDiffers) {
  Router router;
  int unused = 0;
  router.Handle("GET", "/files/{id}", Tagged(&unused, 1));
  router.Handle("DELETE", "/files/{id}", Tagged(&unused, 2));
  auto m = router.Find("POST", Segs({"files", "x"}));
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"DELETE", "GET", "HEAD"}));
  m = router.Find("HEAD", Segs({"files", "x"}));
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, "GET");
  m = router.Find("GET", Segs({"nothing"}));
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.allowed.empty());
}

TEST(Router, EmptyParamAndTrailingSlashDoNotMatch) {
  Router router;
  int unused = 0;
  router.Handle("GET", "/files/{id}", Tagged(&unused, 1));
  EXPECT_EQ(router.Find("GET", Segs({"files", ""})).route, nullptr);
  EXPECT_EQ(router.Find("GET", Segs({"files", "a", ""})).route, nullptr);
}

TEST(RouterDeathTest, MalformedPatternAborts) {
  Router router;
  EXPECT_DEATH(router.Handle("GET", "/a/{x*}/b", nullptr), "bad route pattern");
  EXPECT_DEATH(router.Handle("GET", "no-slash", nullptr), "bad route pattern");
}

}  // namespace
}  // namespace datamesh::gateway::http
