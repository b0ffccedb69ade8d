// WebSocket clients of the gateway's live feed (GET /api/v1/ws) for end-to-end tests, over real
// sockets with Beast's client.
//
//   WsClient    reads frames when the test asks, each read bounded in time (a missing frame is
//               a test failure).
//   WsRecorder  reads every frame on a thread of its own from the moment it opens, so a test
//               that waits minutes for something (an alert to fire) neither misses frames nor
//               looks like a client too slow to read; the test looks at what arrived.
#pragma once

#include <google/protobuf/struct.pb.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace datamesh::e2e {

// How long WsClient::Next waits for a frame.
inline constexpr auto kFrameWait = std::chrono::seconds(30);

class WsClient {
 public:
  WsClient();
  ~WsClient();

  // Connects to 127.0.0.1:`port` and upgrades at `target` (e.g. "/api/v1/ws?token=..."), with
  // an Authorization header when given; true when the session is open.
  bool Open(uint16_t port, const std::string& target, const std::string& authorization = "");

  // The next text frame, parsed; nullopt (and a test failure) when none comes in time.
  std::optional<google::protobuf::Struct> Next();

  // Reads frames until one of `type` (whose data satisfies `match`) arrives.
  std::optional<google::protobuf::Struct> Until(
      const std::string& type,
      const std::function<bool(const google::protobuf::Struct&)>& match = nullptr);

  void Ping();
  int pongs() const { return pongs_.load(); }
  // Every frame read so far, as received.
  const std::vector<std::string>& frames() const { return frames_; }

 private:
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  std::atomic<int> pongs_{0};
  std::vector<std::string> frames_;
};

class WsRecorder {
 public:
  // Opens the session (see WsClient::Open) and starts reading; opened() says whether it did.
  WsRecorder(uint16_t port, const std::string& target, const std::string& authorization = "");
  ~WsRecorder();  // closes the socket and joins the reader

  bool opened() const { return opened_; }
  // The frames received so far, parsed, in order.
  std::vector<google::protobuf::Struct> Frames() const;
  // The first frame received so far of `type` whose data satisfies `match`.
  std::optional<google::protobuf::Struct> Find(
      const std::string& type, const std::function<bool(const google::protobuf::Struct&)>& match);

 private:
  void ReadLoop();

  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  bool opened_ = false;
  mutable std::mutex mu_;
  std::vector<std::string> texts_;
  std::thread reader_;
};

}  // namespace datamesh::e2e
