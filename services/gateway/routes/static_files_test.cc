// The static folder over a real HTTP server: index.html for "/", types by extension, HEAD,
// conditional GET, every way out of the folder refused, the app-route fallback, caching headers
// and the Content-Security-Policy on HTML.
#include "services/gateway/routes/static_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "services/gateway/http/test_util.h"

namespace datamesh::gateway {
namespace {

namespace fs = std::filesystem;
using http::testing::ServerFixture;
namespace bhttp = http::testing::bhttp;

class StaticFilesTest : public ServerFixture {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("static-test-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_ / "site" / "docs");
    Write(base_ / "site" / "index.html", "<h1>home</h1>");
    Write(base_ / "site" / "app.js", "let x = 1;");
    Write(base_ / "site" / "docs" / "index.html", "docs");
    Write(base_ / "site" / "docs" / "a b.txt", "spaced");
    Write(base_ / "site" / ".env", "SECRET=1");
    fs::create_directories(base_ / "site" / "assets");
    Write(base_ / "site" / "assets" / "index-3f2a9c.js", "export{}");
    Write(base_ / "secret.txt", "outside");
    fs::create_symlink(base_ / "secret.txt", base_ / "site" / "leak.txt");
    fs::create_directory_symlink(base_, base_ / "site" / "up");
    auto files = StaticFiles::Open((base_ / "site").string());
    ASSERT_TRUE(files.ok()) << files.status();
    files_ = std::make_unique<StaticFiles>(*std::move(files));
    http::Router router;
    StaticFiles::AddRoutes(router, *files_);
    StartServer(std::move(router));
  }
  void TearDown() override {
    ServerFixture::TearDown();
    fs::remove_all(base_);
  }
  static void Write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

  // A GET as a browser sends it when navigating: Accept names text/html (the Host is
  // 127.0.0.1, set by RoundTrip).
  http::testing::Response Navigate(const std::string& target) {
    http::testing::tcp::socket socket = Connect();
    http::testing::beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> req(bhttp::verb::get, target, 11);
    req.set(bhttp::field::accept, "text/html,application/xhtml+xml,*/*;q=0.8");
    return RoundTrip(socket, std::move(req), buffer);
  }

  fs::path base_;
  std::unique_ptr<StaticFiles> files_;
};

TEST_F(StaticFilesTest, AppRoutesAnswerIndexOnlyForHtmlOutsideTheApi) {
  auto res = Navigate("/files/photos/2026");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "<h1>home</h1>");
  EXPECT_EQ(res[bhttp::field::cache_control], "no-cache");
  EXPECT_EQ(Navigate("/admin").body(), "<h1>home</h1>");
  EXPECT_EQ(Navigate("/app.js").body(), "let x = 1;");  // a real file stays itself
  EXPECT_EQ(Navigate("/docs/").body(), "docs");
  // Without text/html (a script, an image, curl) a missing path stays 404.
  EXPECT_EQ(Get("/files/photos").result_int(), 404);
  EXPECT_EQ(Get("/assets/gone-123.js").result_int(), 404);
  // The API's paths are never the app's, even for a browser.
  EXPECT_EQ(Navigate("/api/v1/nothing").result_int(), 404);
  EXPECT_EQ(Navigate("/api").result_int(), 404);
  // The fallback serves the index, never the hidden or outside file it was asked for.
  EXPECT_EQ(Navigate("/.env").body(), "<h1>home</h1>");
  EXPECT_EQ(Navigate("/leak.txt").body().find("outside"), std::string::npos);
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutableAndTheRestRevalidates) {
  auto res = Get("/assets/index-3f2a9c.js");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[bhttp::field::cache_control], "public, max-age=31536000, immutable");
  EXPECT_EQ(res["Content-Security-Policy"], "");  // only HTML carries the policy
  EXPECT_EQ(Get("/").at(bhttp::field::cache_control), "no-cache");
  EXPECT_EQ(Get("/app.js").at(bhttp::field::cache_control), "no-cache");
  EXPECT_EQ(Get("/app.js").at("X-Content-Type-Options"), "nosniff");
}

TEST_F(StaticFilesTest, HtmlCarriesAStrictContentSecurityPolicy) {
  const std::string csp(Navigate("/files").at("Content-Security-Policy"));
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << csp;
  EXPECT_NE(csp.find("style-src 'self';"), std::string::npos) << csp;
  EXPECT_NE(csp.find("connect-src 'self' ws://127.0.0.1 wss://127.0.0.1;"), std::string::npos)
      << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << csp;
}

TEST(StaticFiles, PolicyLeavesOutAHostThatIsNoHostName) {
  EXPECT_NE(ContentSecurityPolicy("a.b:1").find("ws://a.b:1 wss://a.b:1"), std::string::npos);
  for (std::optional<std::string_view> host :
       {std::optional<std::string_view>("x; script-src *"), std::optional<std::string_view>(""),
        std::optional<std::string_view>()}) {
    const std::string csp = ContentSecurityPolicy(host);
    EXPECT_NE(csp.find("connect-src 'self';"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("script-src *"), std::string::npos) << csp;
  }
  EXPECT_EQ(CacheControlFor("assets/a-1.css"), "public, max-age=31536000, immutable");
  EXPECT_EQ(CacheControlFor("index.html"), "no-cache");
  EXPECT_EQ(CacheControlFor("x/assets/a.js"), "no-cache");
}

TEST_F(StaticFilesTest, ServesIndexAndFilesWithTypes) {
  auto res = Get("/");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "<h1>home</h1>");
  EXPECT_EQ(res[bhttp::field::content_type], "text/html; charset=utf-8");
  EXPECT_FALSE(res[bhttp::field::etag].empty());
  EXPECT_FALSE(res[bhttp::field::last_modified].empty());
  res = Get("/app.js");
  EXPECT_EQ(res.body(), "let x = 1;");
  EXPECT_EQ(res[bhttp::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(Get("/docs").body(), "docs");
  EXPECT_EQ(Get("/docs/").body(), "docs");
  EXPECT_EQ(Get("/docs/a%20b.txt").body(), "spaced");
}

TEST_F(StaticFilesTest, RefusesEverythingOutsideTheFolder) {
  EXPECT_EQ(Get("/missing.html").result_int(), 404);
  EXPECT_EQ(Get("/.env").result_int(), 404);
  EXPECT_EQ(Get("/leak.txt").result_int(), 404);                     // symlink to a file outside
  EXPECT_EQ(Get("/up/secret.txt").result_int(), 404);                // symlinked folder outside
  EXPECT_EQ(Get("/docs%2F..%2F..%2Fsecret.txt").result_int(), 404);  // encoded slashes
  EXPECT_EQ(Get("/../secret.txt").result_int(), 400);                // dot segments never reach us
  EXPECT_EQ(Get("/%2e%2e/secret.txt").result_int(), 400);
  for (const char* t : {"/leak.txt", "/up/secret.txt", "/docs%2F..%2F..%2Fsecret.txt"}) {
    EXPECT_EQ(Get(t).body().find("outside"), std::string::npos) << t;
  }
}

TEST_F(StaticFilesTest, HeadAndConditionalGetKeepTheConnection) {
  http::testing::tcp::socket socket = Connect();
  http::testing::beast::flat_buffer buffer;
  bhttp::request<bhttp::empty_body> head(bhttp::verb::head, "/app.js", 11);
  head.set(bhttp::field::host, "h");
  bhttp::write(socket, head);
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.skip(true);
  bhttp::read(socket, buffer, parser);
  EXPECT_EQ(parser.get().result_int(), 200);
  EXPECT_EQ(parser.get()[bhttp::field::content_length], "10");
  EXPECT_TRUE(parser.get().keep_alive());
  const std::string etag(parser.get()[bhttp::field::etag]);

  bhttp::request<bhttp::string_body> cond(bhttp::verb::get, "/app.js", 11);
  cond.set(bhttp::field::if_none_match, etag);
  auto res = RoundTrip(socket, std::move(cond), buffer);
  EXPECT_EQ(res.result_int(), 304);
  EXPECT_EQ(RoundTrip(socket, {bhttp::verb::get, "/app.js", 11}, buffer).body(), "let x = 1;");
}

TEST(StaticFiles, OpenNeedsAFolderAndTypesComeFromExtensions) {
  EXPECT_EQ(StaticFiles::Open("/nonexistent/folder").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ContentTypeFor("a.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("x.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("noext"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("a.unknown"), "application/octet-stream");
}

}  // namespace
}  // namespace datamesh::gateway
