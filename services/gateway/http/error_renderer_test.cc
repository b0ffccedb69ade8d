// A router's ErrorRenderer shapes every answer the server makes itself (the S3 listener's XML),
// and without one those answers stay the REST API's JSON.
#include <string>

#include "services/gateway/http/api_error.h"
#include "services/gateway/http/test_util.h"

namespace datamesh::gateway::http::testing {
namespace {

// Renders "<stage>|<API code>|<target>" as text/x-test with the API's status, so a test reads
// which error, at which stage, about which target the renderer was given.
RenderedError Render(const ServerError& e) {
  const char* stage = e.stage == ServerError::Stage::kRequest ? "request"
                      : e.stage == ServerError::Stage::kRoute ? "route"
                                                              : "handler";
  const ApiError api = ApiErrorFor(e.status);
  return {api.http_status,
          "text/x-test",
          std::string(stage) + "|" + api.code + "|" + std::string(e.target),
          {{"X-Test-Id", std::string(e.request_id)}}};
}

Router WithRoutes(bool render) {
  Router router;
  router.Handle("GET", "/x", [](const Request&, BodyReader&, ResponseWriter& w) {
    (void)w.WriteWhole("x", "text/plain");
  });
  router.Handle(
      "PUT", "/small", [](const Request&, BodyReader&, ResponseWriter&) {},
      RouteOptions{.body_limit = 8});
  router.Handle("GET", "/silent", [](const Request&, BodyReader&, ResponseWriter&) {});
  if (render) router.SetErrorRenderer(Render);
  return router;
}

class ErrorRendererTest : public ServerFixture {
 protected:
  Response Send(std::string_view raw) {
    tcp::socket socket = Connect();
    beast::error_code ec;
    Response res = Raw(socket, raw, ec);
    EXPECT_FALSE(ec) << ec.message();
    return res;
  }
};

TEST_F(ErrorRendererTest, RendersEveryAnswerTheServerMakesItself) {
  HttpServer::Options options;
  options.header_limit = 1024;
  StartServer(WithRoutes(true), options);
  struct Case {
    std::string raw;
    int status;
    std::string body;
  };
  const Case cases[] = {
      {"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", 405,
       "route|METHOD_NOT_ALLOWED|/x"},
      {"GET /nope?a=1 HTTP/1.1\r\nHost: h\r\n\r\n", 404, "route|NOT_FOUND|/nope?a=1"},
      {"PUT /small HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n123456789", 413,
       "route|PAYLOAD_TOO_LARGE|/small"},
      {"GET /a/../x HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request|INVALID_ARGUMENT|/a/../x"},
      {"GET /x%zz HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request|INVALID_ARGUMENT|/x%zz"},
      {"GET /x HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(2048, 'a') + "\r\n\r\n", 431,
       "request|HEADER_TOO_LARGE|"},
      {"NOT HTTP AT ALL\r\n\r\n", 400, "request|INVALID_ARGUMENT|"},
      {"GET /silent HTTP/1.1\r\nHost: h\r\n\r\n", 500, "handler|INTERNAL|/silent"},
  };
  for (const Case& c : cases) {
    Response res = Send(c.raw);
    EXPECT_EQ(res.result_int(), c.status) << c.body;
    EXPECT_EQ(res[bhttp::field::content_type], "text/x-test") << c.body;
    EXPECT_EQ(res.body(), c.body);
    EXPECT_FALSE(res["X-Test-Id"].empty()) << c.body;
    EXPECT_EQ(res["X-Test-Id"], res["X-Request-Id"]) << c.body;
  }
  // The 405 still names the methods the path takes.
  EXPECT_EQ(Send(cases[0].raw)[bhttp::field::allow], "GET, HEAD");
  EXPECT_EQ(Get("/x").body(), "x");
}

TEST_F(ErrorRendererTest, TooManyConnectionsIsRenderedToo) {
  HttpServer::Options options;
  options.max_connections = 1;
  StartServer(WithRoutes(true), options);
  tcp::socket first = Connect();
  beast::flat_buffer buffer;
  // Once the first connection was served it is surely counted.
  EXPECT_EQ(RoundTrip(first, {bhttp::verb::get, "/x", 11}, buffer).body(), "x");
  Response res = Get("/x");
  EXPECT_EQ(res.result_int(), 503);
  EXPECT_EQ(res.body(), "request|UNAVAILABLE|");
  EXPECT_FALSE(res[bhttp::field::retry_after].empty());
}

TEST_F(ErrorRendererTest, WithoutARendererTheAnswersStayTheRestJson) {
  StartServer(WithRoutes(false));
  Response res = Send("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(res.result_int(), 405);
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  EXPECT_EQ(res.body(),
            "{\"error\":{\"code\":\"METHOD_NOT_ALLOWED\",\"message\":\"method not allowed\"}}");
  EXPECT_TRUE(res["X-Test-Id"].empty());
  res = Send("GET /silent HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(res.body(), "{\"error\":{\"code\":\"INTERNAL\",\"message\":\"internal error\"}}");
}

}  // namespace
}  // namespace datamesh::gateway::http::testing
