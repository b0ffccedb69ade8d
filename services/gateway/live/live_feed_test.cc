// The /api/v1/ws route over real loopback sockets (HttpServer + Beast's client), with a fake
// authenticator: upgrade authentication, delivery, the slow-consumer close, revocation, pings.
#include "services/gateway/live/live_feed.h"

#include <atomic>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <thread>

#include "services/gateway/http/test_util.h"
#include "shared/crypto/hash.h"

namespace datamesh::gateway::live {
namespace {

using http::testing::tcp;
using http::testing::beast::error_code;
namespace net = http::testing::net;
namespace beast = http::testing::beast;
namespace websocket = beast::websocket;
using Client = websocket::stream<tcp::socket>;

// Polls `done` until it holds or 30 s pass (a broken feed fails instead of hanging).
template <typename F>
bool Eventually(F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

absl::StatusOr<Caller> FakeAuthenticate(std::string_view header, const http::Request&) {
  Caller c;
  if (header == "Bearer secret-a") {
    c.user_id = "user-a";
    c.role = "user";
  } else if (header == "Bearer secret-admin") {
    c.user_id = "admin-1";
    c.role = "admin";
  } else {
    return absl::UnauthenticatedError("invalid bearer token");
  }
  return c;
}

events::v1::Event Stored(const std::string& owner) {
  events::v1::Event e;
  e.set_type("file.stored");
  e.set_subject_user(owner);
  e.mutable_file_stored()->set_file_id("file-" + owner);
  return e;
}

class LiveFeedTest : public http::testing::ServerFixture {
 protected:
  void StartFeed(HubOptions hub_options = {}, http::HttpServer::Options options = {}) {
    hub_ = std::make_unique<LiveHub>(hub_options, nullptr);
    http::Router router;
    router.HandleWebSocket("/api/v1/ws", MakeFeedHandler(*hub_, FakeAuthenticate));
    StartServer(std::move(router), std::move(options));
  }
  void TearDown() override {
    ServerFixture::TearDown();
    hub_.reset();
  }

  // Opens a session and waits until the hub feeds it.
  std::unique_ptr<Client> Open(const std::string& target, const std::string& authorization = "") {
    auto client = std::make_unique<Client>(Connect());
    const size_t before = hub_->stats().sessions_open;
    client->set_option(websocket::stream_base::decorator([authorization](auto& req) {
      if (!authorization.empty()) req.set("Authorization", authorization);
    }));
    client->handshake("127.0.0.1", target);
    EXPECT_TRUE(Eventually([&] { return hub_->stats().sessions_open > before; }));
    return client;
  }

  // The status of an upgrade request sent as plain HTTP (Beast's client keeps a refusal's
  // status to itself).
  int UpgradeStatus(const std::string& target, const std::string& authorization = "") {
    tcp::socket socket = Connect();
    http::testing::bhttp::request<http::testing::bhttp::string_body> req(
        http::testing::bhttp::verb::get, target, 11);
    req.set("Connection", "Upgrade");
    req.set("Upgrade", "websocket");
    req.set("Sec-WebSocket-Version", "13");
    req.set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
    if (!authorization.empty()) req.set("Authorization", authorization);
    beast::flat_buffer buffer;
    return RoundTrip(socket, std::move(req), buffer).result_int();
  }

  static std::string ReadText(Client& client) {
    beast::flat_buffer buffer;
    client.read(buffer);
    return beast::buffers_to_string(buffer.data());
  }

  // Reads until the connection ends; returns the close code the server sent (0: none).
  static int ReadToClose(Client& client) {
    beast::flat_buffer buffer;
    error_code ec;
    while (!ec) {
      client.read(buffer, ec);
      buffer.consume(buffer.size());
    }
    return ec == websocket::error::closed ? client.reason().code : 0;
  }

  std::unique_ptr<LiveHub> hub_;
};

TEST_F(LiveFeedTest, UpgradeWithoutAValidCredentialIs401) {
  StartFeed();
  EXPECT_EQ(UpgradeStatus("/api/v1/ws"), 401);
  EXPECT_EQ(UpgradeStatus("/api/v1/ws?token=wrong"), 401);
  EXPECT_EQ(UpgradeStatus("/api/v1/ws?token="), 401);
  EXPECT_EQ(UpgradeStatus("/api/v1/ws", "Bearer wrong"), 401);
  EXPECT_EQ(UpgradeStatus("/api/v1/ws", "Basic c2VjcmV0LWE="), 401);
  // A bad header is not rescued by a good query token.
  EXPECT_EQ(UpgradeStatus("/api/v1/ws?token=secret-a", "Bearer wrong"), 401);
  EXPECT_EQ(hub_->stats().sessions_open, 0u);
}

TEST_F(LiveFeedTest, HeaderAndQueryTokensBothOpenAFilteredFeed) {
  StartFeed();
  auto by_query = Open("/api/v1/ws?token=secret-a");
  auto by_header = Open("/api/v1/ws", "Bearer secret-admin");
  hub_->Publish(Stored("admin-1"));
  hub_->Publish(Stored("user-a"));
  // Each sees only its own upload; the first frame each reads is therefore its own.
  EXPECT_NE(ReadText(*by_query).find("\"fileId\":\"file-user-a\""), std::string::npos);
  EXPECT_NE(ReadText(*by_header).find("\"fileId\":\"file-admin-1\""), std::string::npos);
  by_query->close(websocket::close_code::normal);
  EXPECT_TRUE(Eventually([&] { return hub_->stats().sessions_open == 1; }));
}

TEST_F(LiveFeedTest, ASlowConsumerGetsWhatWasQueuedThenClose1013) {
  StartFeed();  // the hub's 1 MiB equals the server's queue limit: the hub's rule comes first
  auto client = Open("/api/v1/ws?token=secret-a");  // and does not read for now
  FeedFrame big{.type = "governance:vote:cast", .audience = Audience::kEveryone};
  big.text = std::string(64 << 10, 'x');
  // Kernel socket buffers absorb a few MiB before the session's queue starts to grow.
  for (int i = 0; i < 4000 && hub_->stats().dropped_slow == 0; ++i) hub_->Deliver(big);
  ASSERT_EQ(hub_->stats().dropped_slow, 1u);
  EXPECT_EQ(hub_->stats().sessions_open, 0u);
  EXPECT_EQ(ReadToClose(*client), 1013);
}

TEST_F(LiveFeedTest, RevokingTheCredentialClosesTheSessionWith1008) {
  StartFeed();
  auto client = Open("/api/v1/ws?token=secret-a");
  absl::StatusOr<std::string> hash = crypto::Sha256Hex("secret-a");
  ASSERT_TRUE(hash.ok());
  hub_->Revoke(*hash);
  EXPECT_EQ(ReadToClose(*client), 1008);
  EXPECT_EQ(hub_->stats().closed_revoked, 1u);
}

TEST_F(LiveFeedTest, ServerPingsAClientThatReadsAndItStaysOpen) {
  http::HttpServer::Options options;
  options.ws_idle_timeout = std::chrono::milliseconds(600);
  StartFeed({}, options);
  auto client = Open("/api/v1/ws?token=secret-a");
  std::atomic<int> pings{0};
  std::atomic<bool> ponged{false};
  client->control_callback([&](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping) ++pings;
    if (kind == websocket::frame_type::pong) ponged = true;
  });
  client->ping({});  // answered with a pong
  // The read answers the server's pings; after three of them (well past the idle timeout) a
  // pushed frame ends it.
  std::thread pusher([&] {
    Eventually([&] { return pings >= 3; });
    hub_->Publish(Stored("user-a"));
  });
  EXPECT_NE(ReadText(*client).find("file:upload:complete"), std::string::npos);
  pusher.join();
  EXPECT_GE(pings.load(), 3);
  EXPECT_TRUE(ponged.load());
  EXPECT_EQ(hub_->stats().sessions_open, 1u);
}

TEST_F(LiveFeedTest, ASessionThatStopsAnsweringPingsIsClosed) {
  http::HttpServer::Options options;
  options.ws_idle_timeout = std::chrono::milliseconds(600);
  StartFeed({}, options);
  auto silent = Open("/api/v1/ws", "Bearer secret-admin");  // never reads, so never pongs
  EXPECT_EQ(hub_->stats().sessions_open, 1u);
  EXPECT_TRUE(Eventually([&] { return hub_->stats().sessions_open == 0; }));
}

}  // namespace
}  // namespace datamesh::gateway::live
