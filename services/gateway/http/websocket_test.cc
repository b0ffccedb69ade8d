// WebSocket routes over real loopback sockets, driven by Beast's own client.
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <mutex>

#include "services/gateway/http/test_util.h"

namespace datamesh::gateway::http::testing {
namespace {

namespace websocket = beast::websocket;
using Client = websocket::stream<tcp::socket>;

// Holds the server side of the one session a test opens.
struct SessionProbe {
  std::mutex mu;
  std::shared_ptr<WebSocketSession> session;
  absl::Notification opened;
  absl::Notification closed;

  std::shared_ptr<WebSocketSession> get() {
    std::lock_guard<std::mutex> lock(mu);
    return session;
  }
};

WebSocketHandler Echo(SessionProbe* probe) {
  return [probe](const Request& r) -> absl::StatusOr<WebSocketCallbacks> {
    if (r.query_param("token") != "good") return absl::UnauthenticatedError("bad token");
    WebSocketCallbacks cb;
    cb.on_open = [probe](std::shared_ptr<WebSocketSession> s) {
      {
        std::lock_guard<std::mutex> lock(probe->mu);
        probe->session = std::move(s);
      }
      probe->opened.Notify();
    };
    cb.on_message = [](WebSocketSession& s, std::string_view m) {
      if (m == "ping-me") {
        s.Ping();
        s.Send("pinged");
      } else {
        s.Send("echo:" + std::string(m));
      }
    };
    cb.on_close = [probe](WebSocketSession&) { probe->closed.Notify(); };
    return cb;
  };
}

class WebSocketTest : public ServerFixture {
 protected:
  void StartWs(HttpServer::Options options = {}) {
    Router router;
    router.HandleWebSocket("/api/v1/ws", Echo(&probe_));
    StartServer(std::move(router), std::move(options));
  }

  std::unique_ptr<Client> Open(websocket::response_type& res, beast::error_code& ec,
                               std::string target = "/api/v1/ws?token=good") {
    auto client = std::make_unique<Client>(Connect());
    client->handshake(res, "127.0.0.1", target, ec);
    return client;
  }

  static std::string ReadText(Client& client) {
    beast::flat_buffer buffer;
    client.read(buffer);
    return beast::buffers_to_string(buffer.data());
  }

  SessionProbe probe_;
};

TEST_F(WebSocketTest, EchoesMessagesAndCarriesTheRequestId) {
  StartWs();
  websocket::response_type res;
  beast::error_code ec;
  auto client = Open(res, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res["X-Request-Id"].size(), 32u);
  client->write(net::buffer(std::string("hello")));
  EXPECT_EQ(ReadText(*client), "echo:hello");
  client->write(net::buffer(std::string("again")));
  EXPECT_EQ(ReadText(*client), "echo:again");
  client->close(websocket::close_code::normal);
  ASSERT_TRUE(WaitFor(probe_.closed));
  EXPECT_FALSE(probe_.get()->is_open());
  EXPECT_FALSE(probe_.get()->Send("late"));
}

TEST_F(WebSocketTest, RejectedUpgradeAnswersInTheErrorShape) {
  StartWs();
  tcp::socket socket = Connect();
  beast::error_code ec;
  Response res = Raw(socket,
                     "GET /api/v1/ws?token=bad HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n"
                     "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                     ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 401);
  EXPECT_EQ(res.body(), "{\"error\":{\"code\":\"UNAUTHENTICATED\",\"message\":\"bad token\"}}");
  EXPECT_FALSE(res["X-Request-Id"].empty());
  EXPECT_FALSE(probe_.opened.HasBeenNotified());
}

TEST_F(WebSocketTest, PlainGetOnAWebSocketRouteIs400) {
  StartWs();
  EXPECT_EQ(Get("/api/v1/ws?token=good").result_int(), 400);
}

TEST_F(WebSocketTest, ServerPushesAndPings) {
  StartWs();
  websocket::response_type res;
  beast::error_code ec;
  auto client = Open(res, ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(WaitFor(probe_.opened));
  ASSERT_TRUE(probe_.get()->Send("pushed"));
  EXPECT_EQ(ReadText(*client), "pushed");

  bool saw_ping = false;
  client->control_callback([&](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping) saw_ping = true;
  });
  client->write(net::buffer(std::string("ping-me")));
  EXPECT_EQ(ReadText(*client), "pinged");
  EXPECT_TRUE(saw_ping);
}

TEST_F(WebSocketTest, SlowConsumerIsDroppedInsteadOfBuffered) {
  HttpServer::Options options;
  options.ws_max_queued_bytes = 256 << 10;
  StartWs(options);
  websocket::response_type res;
  beast::error_code ec;
  auto client = Open(res, ec);  // and never reads
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(WaitFor(probe_.opened));
  auto session = probe_.get();
  const std::string message(64 << 10, 'm');
  bool refused = false;
  for (int i = 0; i < 100000 && !refused; ++i) refused = !session->Send(message);
  ASSERT_TRUE(refused);
  EXPECT_TRUE(session->dropped());
  ASSERT_TRUE(WaitFor(probe_.closed));
  // The client gets what was already in flight, then the end of the connection.
  beast::flat_buffer buffer;
  while (!ec) {
    client->read(buffer, ec);
    buffer.consume(buffer.size());
  }
  EXPECT_TRUE(ec);
}

TEST_F(WebSocketTest, StopClosesSessionsWithGoingAway) {
  StartWs();
  websocket::response_type res;
  beast::error_code ec;
  auto client = Open(res, ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(WaitFor(probe_.opened));
  std::thread stopper(
      [&] { server_->Stop(std::chrono::steady_clock::now() + std::chrono::minutes(1)); });
  beast::flat_buffer buffer;
  client->read(buffer, ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(client->reason().code, websocket::close_code::going_away);
  stopper.join();
  EXPECT_TRUE(probe_.closed.HasBeenNotified());
}

}  // namespace
}  // namespace datamesh::gateway::http::testing
