// The static folder over a real HTTP server: index.html for "/", types by extension, HEAD,
// conditional GET, and every way out of the folder refused.
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

  fs::path base_;
  std::unique_ptr<StaticFiles> files_;
};

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
