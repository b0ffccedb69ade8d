// The server over real loopback sockets, driven by Beast's own client.
#include <openssl/evp.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "services/gateway/http/api_error.h"
#include "services/gateway/http/test_util.h"

namespace datamesh::gateway::http::testing {
namespace {

using ::datamesh::testing::StatusIs;

Handler Text(std::string body) {
  return [body](const Request&, BodyReader&, ResponseWriter& w) {
    (void)w.WriteWhole(body, "text/plain");
  };
}

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  void Update(const char* data, size_t n) { EVP_DigestUpdate(ctx_, data, n); }
  std::string Hex() {
    unsigned char md[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, md, &len);
    std::string out;
    for (unsigned i = 0; i < len; ++i)
      out += "0123456789abcdef"[md[i] >> 4], out += "0123456789abcdef"[md[i] & 15];
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

class HttpServerTest : public ServerFixture {};

TEST_F(HttpServerTest, RoutesPathParamsAndDecodedQuery) {
  Router router;
  router.Handle("GET", "/api/v1/files/{id}", [](const Request& r, BodyReader&, ResponseWriter& w) {
    std::string out = std::string(*r.path_param("id")) + "|" +
                      std::string(r.query_param("name").value_or("-")) + "|" +
                      std::string(r.query_param("tag").value_or("-"));
    (void)w.WriteWhole(out, "text/plain");
  });
  StartServer(std::move(router));
  Response res = Get("/api/v1/files/f%201?name=a+b%21&tag=x%2By");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "f 1|a b!|x+y");
}

TEST_F(HttpServerTest, InvalidPercentEscapeIs400AndClosesTheConnection) {
  Router router;
  router.Handle("GET", "/x", Text("x"));
  StartServer(std::move(router));
  tcp::socket socket = Connect();
  beast::error_code ec;
  Response res = Raw(socket, "GET /x?q=%zz HTTP/1.1\r\nHost: h\r\n\r\n", ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_NE(res.body().find("\"code\":\"INVALID_ARGUMENT\""), std::string::npos);
  EXPECT_FALSE(res["X-Request-Id"].empty());
  EXPECT_TRUE(ServerClosed(socket));
}

TEST_F(HttpServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Router router;
  router.Handle("GET", "/api/v1/files/{id}", Text("x"));
  router.Handle("DELETE", "/api/v1/files/{id}", Text("x"));
  StartServer(std::move(router));
  Response res = Get("/nope");
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  EXPECT_EQ(res.body(), "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"no such route\"}}");
  EXPECT_EQ(res["X-Request-Id"].size(), 32u);

  tcp::socket socket = Connect();
  beast::flat_buffer buffer;
  res = RoundTrip(socket, {bhttp::verb::post, "/api/v1/files/f1", 11}, buffer);
  EXPECT_EQ(res.result_int(), 405);
  EXPECT_EQ(res[bhttp::field::allow], "DELETE, GET, HEAD");
  EXPECT_NE(res.body().find("\"code\":\"METHOD_NOT_ALLOWED\""), std::string::npos);
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  std::atomic<int> calls{0};
  Router router;
  router.Handle("GET", "/n", [&](const Request&, BodyReader&, ResponseWriter& w) {
    (void)w.WriteWhole(std::to_string(++calls), "text/plain");
  });
  StartServer(std::move(router));
  tcp::socket socket = Connect();
  beast::flat_buffer buffer;
  Response a = RoundTrip(socket, {bhttp::verb::get, "/n", 11}, buffer);
  Response b = RoundTrip(socket, {bhttp::verb::get, "/n", 11}, buffer);
  EXPECT_EQ(a.body(), "1");
  EXPECT_EQ(b.body(), "2");
  EXPECT_TRUE(b.keep_alive());
}

TEST_F(HttpServerTest, EchoesSaneRequestIdsAndReplacesOthers) {
  Router router;
  router.Handle("GET", "/id", [](const Request& r, BodyReader&, ResponseWriter& w) {
    (void)w.WriteWhole(std::string(r.request_id()), "text/plain");
  });
  StartServer(std::move(router));
  Response res = Get("/id", "client-id_1.2");
  EXPECT_EQ(res["X-Request-Id"], "client-id_1.2");
  EXPECT_EQ(res.body(), "client-id_1.2");
  res = Get("/id", "bad id with spaces");
  EXPECT_EQ(res["X-Request-Id"].size(), 32u);
  EXPECT_EQ(res.body(), std::string(res["X-Request-Id"]));
  res = Get("/missing", "trace-7");
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_EQ(res["X-Request-Id"], "trace-7");
}

TEST_F(HttpServerTest, StreamsA64MiBUploadInBoundedChunks) {
  constexpr size_t kTotal = 64 << 20;
  constexpr size_t kChunk = 64 << 10;
  size_t chunks = 0, largest = 0;
  Router router;
  router.Handle(
      "POST", "/upload",
      [&](const Request&, BodyReader& body, ResponseWriter& w) {
        Sha256 hash;
        std::vector<char> buf(kChunk);
        while (true) {
          absl::StatusOr<size_t> n = body.Read(buf.data(), buf.size());
          if (!n.ok()) return (void)w.WriteError(n.status());
          if (*n == 0) break;
          ++chunks;
          largest = std::max(largest, *n);
          hash.Update(buf.data(), *n);
        }
        (void)w.WriteWhole(hash.Hex(), "text/plain");
      },
      RouteOptions{.body_limit = kTotal});
  StartServer(std::move(router));

  tcp::socket socket = Connect();
  const std::string head =
      "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(kTotal) + "\r\n\r\n";
  net::write(socket, net::buffer(head));
  Sha256 expected;
  std::string piece(1 << 20, '\0');
  for (size_t sent = 0, i = 0; sent < kTotal; sent += piece.size(), ++i) {
    for (size_t k = 0; k < piece.size(); k += 4096) piece[k] = static_cast<char>(i * 31 + k);
    expected.Update(piece.data(), piece.size());
    net::write(socket, net::buffer(piece));
  }
  beast::flat_buffer buffer;
  Response res;
  bhttp::read(socket, buffer, res);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), expected.Hex());
  EXPECT_LE(largest, kChunk);
  EXPECT_GE(chunks, kTotal / kChunk);
}

TEST_F(HttpServerTest, ChunkedUploadOverTheRouteLimitIs413) {
  Router router;
  router.Handle(
      "POST", "/small",
      [](const Request&, BodyReader& body, ResponseWriter& w) {
        char buf[256];
        while (true) {
          absl::StatusOr<size_t> n = body.Read(buf, sizeof(buf));
          if (!n.ok()) return (void)w.WriteError(n.status());
          if (*n == 0) break;
        }
        (void)w.WriteWhole("ok", "text/plain");
      },
      RouteOptions{.body_limit = 1024});
  StartServer(std::move(router));
  tcp::socket socket = Connect();
  bhttp::request<bhttp::string_body> req(bhttp::verb::post, "/small", 11);
  req.set(bhttp::field::host, "h");
  req.body() = std::string(4096, 'x');
  req.chunked(true);
  bhttp::write(socket, req);
  beast::flat_buffer buffer;
  Response res;
  bhttp::read(socket, buffer, res);
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_NE(res.body().find("PAYLOAD_TOO_LARGE"), std::string::npos);
}

TEST_F(HttpServerTest, DeclaredBodyOverTheLimitIs413BeforeTheHandlerRuns) {
  std::atomic<bool> called{false};
  Router router;
  router.Handle(
      "POST", "/small",
      [&](const Request&, BodyReader&, ResponseWriter& w) {
        called = true;
        (void)w.WriteWhole("ok", "text/plain");
      },
      RouteOptions{.body_limit = 1024});
  StartServer(std::move(router));
  tcp::socket socket = Connect();
  beast::error_code ec;
  Response res = Raw(socket, "POST /small HTTP/1.1\r\nHost: h\r\nContent-Length: 2048\r\n\r\n", ec);
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_NE(res.body().find("\"code\":\"PAYLOAD_TOO_LARGE\""), std::string::npos);
  EXPECT_FALSE(called);
}

// A client that sends its whole body before it reads (curl does while its upload is in flight)
// must get an answer given before the body was read, not a reset: the server drains what the
// client still sends instead of closing on unread bytes. Both a handler's refusal and the
// 413 given before the handler runs; 32 MiB is more than loopback's socket buffers hold.
TEST_F(HttpServerTest, AnEarlyAnswerReachesAClientStillSendingALargeBody) {
  Router router;
  router.Handle(
      "POST", "/refuse",
      [](const Request&, BodyReader&, ResponseWriter& w) {
        (void)w.WriteError(absl::UnavailableError("not now"));
      },
      RouteOptions{.body_limit = uint64_t{1} << 30});
  router.Handle("POST", "/small", Text("never"), RouteOptions{.body_limit = 1024});
  StartServer(std::move(router));
  const std::string body(32 << 20, 'x');
  for (const auto& [path, status] :
       {std::pair<std::string, int>{"/refuse", 503}, {"/small", 413}}) {
    tcp::socket socket = Connect();
    const std::string head =
        "POST " + path + " HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n";
    beast::error_code ec;
    net::write(socket, net::buffer(head), ec);
    net::write(socket, net::buffer(body), ec);
    EXPECT_FALSE(ec) << path << ": sending the body failed: " << ec.message();
    beast::flat_buffer buffer;
    Response res;
    bhttp::read(socket, buffer, res, ec);
    EXPECT_FALSE(ec) << path << ": reading the answer failed: " << ec.message();
    EXPECT_EQ(res.result_int(), status) << path;
  }
}

// Records the status of the handler's first failing Read.
struct ReadOutcome {
  absl::Status status;
  absl::Notification done;
};

Handler ReadAll(ReadOutcome* outcome) {
  return [outcome](const Request&, BodyReader& body, ResponseWriter& w) {
    char buf[4096];
    absl::StatusOr<size_t> n;
    do {
      n = body.Read(buf, sizeof(buf));
    } while (n.ok() && *n > 0);
    outcome->status = n.status();
    outcome->done.Notify();
    (void)w.WriteError(n.status());
  };
}

TEST_F(HttpServerTest, BodyCutShortIsAnErrorForTheHandler) {
  ReadOutcome outcome;
  Router router;
  router.Handle("POST", "/upload", ReadAll(&outcome));
  StartServer(std::move(router));
  {
    tcp::socket socket = Connect();
    net::write(socket, net::buffer(std::string_view(
                           "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n"
                           "0123456789")));
  }  // closed
  ASSERT_TRUE(WaitFor(outcome.done));
  EXPECT_THAT(outcome.status, StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(HttpServerTest, StalledBodyTimesOut) {
  ReadOutcome outcome;
  Router router;
  router.Handle("POST", "/upload", ReadAll(&outcome));
  HttpServer::Options options;
  options.io_timeout = std::chrono::milliseconds(100);
  StartServer(std::move(router), options);
  tcp::socket socket = Connect();
  net::write(socket, net::buffer(std::string_view(
                         "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n12345")));
  ASSERT_TRUE(WaitFor(outcome.done));
  EXPECT_THAT(outcome.status, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_TRUE(ServerClosed(socket));
}

TEST_F(HttpServerTest, SlowHeaderIsCutAtTheHeaderTimeout) {
  Router router;
  router.Handle("GET", "/x", Text("x"));
  HttpServer::Options options;
  options.header_timeout = std::chrono::milliseconds(100);
  StartServer(std::move(router), options);
  tcp::socket socket = Connect();
  net::write(socket, net::buffer(std::string_view("GET /x HTTP/1.1\r\nHo")));
  EXPECT_TRUE(ServerClosed(socket));
  // The stream's timer closes the socket before the server's handler counts the timeout.
  for (int i = 0; i < 200 && server_->stats().timeouts == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(server_->stats().timeouts, 1u);
}

TEST_F(HttpServerTest, AnIdleKeptAliveConnectionIsClosedAfterTheIdleTimeout) {
  Router router;
  router.Handle("GET", "/x", Text("x"));
  HttpServer::Options options;
  options.idle_timeout = std::chrono::milliseconds(100);
  StartServer(std::move(router), options);
  tcp::socket socket = Connect();
  beast::flat_buffer buffer;
  Response res = RoundTrip(socket, {bhttp::verb::get, "/x", 11}, buffer);
  EXPECT_TRUE(res.keep_alive());
  EXPECT_TRUE(ServerClosed(socket));
}

TEST_F(HttpServerTest, ATransferUnderTheMinimumRateIsCutWhateverItsReadTimeout) {
  ReadOutcome outcome;
  Router router;
  router.Handle("POST", "/upload", ReadAll(&outcome), RouteOptions{.transfer = true});
  HttpServer::Options options;
  options.min_rate_bytes = 1000;
  options.min_rate_window = std::chrono::milliseconds(200);
  StartServer(std::move(router), options);  // io_timeout stays 60 s
  tcp::socket socket = Connect();
  net::write(socket, net::buffer(std::string_view(
                         "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n"
                         "only a few bytes")));
  ASSERT_TRUE(WaitFor(outcome.done));
  EXPECT_THAT(outcome.status, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_NE(outcome.status.message().find("fewer than 1000 bytes"), std::string::npos)
      << outcome.status;
  EXPECT_TRUE(ServerClosed(socket));
  EXPECT_EQ(server_->stats().slow_clients_cut, 1u);
}

TEST_F(HttpServerTest, ATransferIsNotCutWhileItsHandlerIsTheSlowOne) {
  // The handler pauses longer than the rate window between reads; the client sent everything
  // at once, so only the handler's time passes and the transfer completes.
  ReadOutcome outcome;
  Router router;
  router.Handle(
      "POST", "/upload",
      [&](const Request&, BodyReader& body, ResponseWriter& w) {
        char buf[100];
        absl::StatusOr<size_t> n;
        do {
          std::this_thread::sleep_for(std::chrono::milliseconds(60));
          n = body.Read(buf, sizeof(buf));
        } while (n.ok() && *n > 0);
        outcome.status = n.status();
        outcome.done.Notify();
        (void)w.WriteWhole("done", "text/plain");
      },
      RouteOptions{.transfer = true});
  HttpServer::Options options;
  options.min_rate_bytes = 100;
  options.min_rate_window = std::chrono::milliseconds(100);
  StartServer(std::move(router), options);
  tcp::socket socket = Connect();
  beast::flat_buffer buffer;
  bhttp::request<bhttp::string_body> req(bhttp::verb::post, "/upload", 11);
  req.body() = std::string(500, 'x');
  Response res = RoundTrip(socket, std::move(req), buffer);
  ASSERT_TRUE(WaitFor(outcome.done));
  EXPECT_OK(outcome.status);
  EXPECT_EQ(res.body(), "done");
  server_.reset();
}

TEST_F(HttpServerTest, ProbesAndShortRequestsAnswerWhileTransfersHoldHandlers) {
  // Eight transfers stalled in their handlers; a pool of at most nine handler threads still
  // answers a short request, and the probe lane answers regardless.
  // Shared with the handlers, which may outlive a failed assertion below.
  auto release = std::make_shared<absl::Notification>();
  auto started = std::make_shared<std::atomic<int>>(0);
  Router router;
  router.Handle(
      "POST", "/upload",
      [release, started](const Request&, BodyReader&, ResponseWriter& w) {
        ++*started;
        release->WaitForNotificationWithTimeout(absl::Seconds(30));
        (void)w.WriteWhole("late", "text/plain");
      },
      RouteOptions{.transfer = true});
  router.Handle("GET", "/short", Text("short"));
  router.Handle("GET", "/healthz", Text("ok"), RouteOptions{.probe = true});
  HttpServer::Options options;
  options.min_handler_threads = 1;
  options.max_handler_threads = 9;
  StartServer(std::move(router), options);
  std::vector<tcp::socket> stalled;
  for (int i = 0; i < 8; ++i) {
    stalled.push_back(Connect());
    net::write(stalled.back(),
               net::buffer(std::string_view(
                   "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")));
  }
  for (int i = 0; i < 3000 && *started < 8; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(*started, 8);
  EXPECT_EQ(Get("/short").body(), "short");
  EXPECT_EQ(Get("/healthz").body(), "ok");
  EXPECT_EQ(server_->stats().handler_threads, 9u);
  release->Notify();
}

TEST_F(HttpServerTest, ConnectionsOverTheLimitGet503WithRetryAfter) {
  Router router;
  router.Handle("GET", "/x", Text("x"));
  HttpServer::Options options;
  options.max_connections = 1;
  StartServer(std::move(router), options);
  tcp::socket first = Connect();
  beast::flat_buffer buffer;
  EXPECT_EQ(RoundTrip(first, {bhttp::verb::get, "/x", 11}, buffer).body(), "x");
  Response refused = Get("/x");
  EXPECT_EQ(refused.result_int(), 503);
  EXPECT_EQ(refused[bhttp::field::retry_after], "5");
  EXPECT_EQ(server_->stats().connections_refused, 1u);
}

TEST_F(HttpServerTest, StreamsAChunkedResponse) {
  Router router;
  router.Handle("GET", "/stream", [](const Request&, BodyReader&, ResponseWriter& w) {
    if (!w.BeginStream(std::nullopt).ok()) return;
    for (int i = 0; i < 100; ++i) {
      if (!w.Write("piece-" + std::to_string(i) + "\n").ok()) return;
    }
    (void)w.Finish();
  });
  StartServer(std::move(router));
  tcp::socket socket = Connect();
  beast::flat_buffer buffer;
  Response res = RoundTrip(socket, {bhttp::verb::get, "/stream", 11}, buffer);
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += "piece-" + std::to_string(i) + "\n";
  EXPECT_TRUE(res.chunked());
  EXPECT_EQ(res.body(), expected);
  // The connection is still usable after the last chunk.
  EXPECT_EQ(RoundTrip(socket, {bhttp::verb::get, "/stream", 11}, buffer).body(), expected);
}

TEST_F(HttpServerTest, HeadSendsGetHeadersWithoutBody) {
  Router router;
  router.Handle("GET", "/doc", Text("hello"));
  StartServer(std::move(router));
  tcp::socket socket = Connect();
  bhttp::request<bhttp::empty_body> req(bhttp::verb::head, "/doc", 11);
  req.set(bhttp::field::host, "h");
  bhttp::write(socket, req);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.skip(true);
  bhttp::read(socket, buffer, parser);
  EXPECT_EQ(parser.get().result_int(), 200);
  EXPECT_EQ(parser.get()[bhttp::field::content_length], "5");
  // No stray body bytes: the next answer on the connection parses cleanly.
  EXPECT_EQ(RoundTrip(socket, {bhttp::verb::get, "/doc", 11}, buffer).body(), "hello");
}

TEST_F(HttpServerTest, HeadOnStreamedResponseKeepsTheConnection) {
  Router router;
  router.Handle("GET", "/big", [](const Request&, BodyReader&, ResponseWriter& w) {
    ASSERT_OK(w.BeginStream(uint64_t{1000}));
    // A handler may write the body as for GET; for HEAD nothing goes out.
    ASSERT_OK(w.Write(std::string(1000, 'x')));
    ASSERT_OK(w.Finish());
  });
  router.Handle("GET", "/announce", [](const Request&, BodyReader&, ResponseWriter& w) {
    // Headers only, as a HEAD handler that knows the length but never writes the bytes.
    ASSERT_OK(w.BeginStream(uint64_t{77}));
  });
  StartServer(std::move(router));
  tcp::socket socket = Connect();
  beast::flat_buffer buffer;
  for (const char* target : {"/big", "/announce", "/big"}) {
    bhttp::request<bhttp::empty_body> req(bhttp::verb::head, target, 11);
    req.set(bhttp::field::host, "h");
    bhttp::write(socket, req);
    bhttp::response_parser<bhttp::empty_body> parser;
    parser.skip(true);
    bhttp::read(socket, buffer, parser);
    EXPECT_EQ(parser.get().result_int(), 200) << target;
    EXPECT_TRUE(parser.get().keep_alive()) << target;
    EXPECT_EQ(parser.get()[bhttp::field::content_length],
              std::string(target) == "/big" ? "1000" : "77");
  }
  // Still the same connection, and no stray body bytes before the next answer.
  EXPECT_EQ(RoundTrip(socket, {bhttp::verb::get, "/big", 11}, buffer).body().size(), 1000u);
}

TEST_F(HttpServerTest, OversizedHeaderIs431) {
  Router router;
  router.Handle("GET", "/x", Text("x"));
  HttpServer::Options options;
  options.header_limit = 1024;
  StartServer(std::move(router), options);
  tcp::socket socket = Connect();
  beast::error_code ec;
  Response res = Raw(
      socket, "GET /x HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n", ec);
  EXPECT_EQ(res.result_int(), 431);
  EXPECT_FALSE(res["X-Request-Id"].empty());
}

TEST_F(HttpServerTest, GarbageIs400AndTheServerCarriesOn) {
  Router router;
  router.Handle("GET", "/x", Text("x"));
  StartServer(std::move(router));
  tcp::socket socket = Connect();
  beast::error_code ec;
  Response res = Raw(socket, "NOT HTTP AT ALL\r\n\r\n", ec);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_TRUE(ServerClosed(socket));
  EXPECT_EQ(Get("/x").body(), "x");
}

TEST_F(HttpServerTest, HandlerWithoutAnswerOrThrowingGets500WithoutDetails) {
  Router router;
  router.Handle("GET", "/silent", [](const Request&, BodyReader&, ResponseWriter&) {});
  router.Handle("GET", "/throws", [](const Request&, BodyReader&, ResponseWriter&) {
    throw std::runtime_error("secret detail");
  });
  router.Handle("GET", "/internal", [](const Request&, BodyReader&, ResponseWriter& w) {
    (void)w.WriteError(absl::InternalError("pq: relation users at /srv/db"));
  });
  StartServer(std::move(router));
  for (const char* path : {"/silent", "/throws", "/internal"}) {
    Response res = Get(path);
    EXPECT_EQ(res.result_int(), 500) << path;
    EXPECT_EQ(res.body(), "{\"error\":{\"code\":\"INTERNAL\",\"message\":\"internal error\"}}");
  }
}

TEST_F(HttpServerTest, ExpectContinueGetsAnInterimAnswerWhenTheHandlerReads) {
  ReadOutcome outcome;
  Router router;
  router.Handle("POST", "/upload", ReadAll(&outcome));
  StartServer(std::move(router));
  tcp::socket socket = Connect();
  net::write(socket, net::buffer(std::string_view(
                         "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                         "Expect: 100-continue\r\n\r\n")));
  std::string interim;
  net::read_until(socket, net::dynamic_buffer(interim), "\r\n\r\n");
  EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue\r\n", 0), 0u);
  net::write(socket, net::buffer(std::string_view("abc")));
  ASSERT_TRUE(WaitFor(outcome.done));  // the handler must not outlive `outcome`
  EXPECT_OK(outcome.status);
}

TEST_F(HttpServerTest, StopLetsAnInFlightRequestFinish) {
  absl::Notification entered, release;
  Router router;
  router.Handle("GET", "/slow", [&](const Request&, BodyReader&, ResponseWriter& w) {
    entered.Notify();
    release.WaitForNotification();
    (void)w.WriteWhole("finished", "text/plain");
  });
  StartServer(std::move(router));
  tcp::socket socket = Connect();
  tcp::socket idle = Connect();
  bhttp::request<bhttp::string_body> req(bhttp::verb::get, "/slow", 11);
  req.set(bhttp::field::host, "h");
  bhttp::write(socket, req);
  ASSERT_TRUE(WaitFor(entered));
  std::thread stopper(
      [&] { server_->Stop(std::chrono::steady_clock::now() + std::chrono::minutes(5)); });
  EXPECT_TRUE(ServerClosed(idle));  // idle connections go at once
  release.Notify();
  beast::flat_buffer buffer;
  Response res;
  bhttp::read(socket, buffer, res);
  stopper.join();
  EXPECT_EQ(res.body(), "finished");
  EXPECT_FALSE(res.keep_alive());
}

TEST_F(HttpServerTest, StopPastTheDeadlineFailsTheHandlersReads) {
  ReadOutcome outcome;
  absl::Notification entered;
  Router router;
  router.Handle("POST", "/upload", [&](const Request& r, BodyReader& b, ResponseWriter& w) {
    entered.Notify();
    ReadAll (&outcome)(r, b, w);
  });
  StartServer(std::move(router));
  tcp::socket socket = Connect();
  net::write(socket, net::buffer(std::string_view(
                         "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n1")));
  ASSERT_TRUE(WaitFor(entered));
  server_->Stop(std::chrono::steady_clock::now());
  ASSERT_TRUE(outcome.done.HasBeenNotified());
  EXPECT_FALSE(outcome.status.ok());
}

}  // namespace
}  // namespace datamesh::gateway::http::testing
