#include "tests/e2e/ws_client.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

#include "tests/e2e/e2e_util.h"

namespace datamesh::e2e {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Stream = websocket::stream<beast::tcp_stream>;

bool Handshake(Stream& ws, uint16_t port, const std::string& target,
               const std::string& authorization) {
  beast::error_code ec;
  beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                      ec);
  if (ec) return false;
  ws.set_option(websocket::stream_base::decorator([authorization](auto& req) {
    if (!authorization.empty()) req.set(bhttp::field::authorization, authorization);
  }));
  ws.handshake("127.0.0.1", target, ec);
  return !ec;
}

}  // namespace

WsClient::WsClient() : ws_(ioc_) {}
WsClient::~WsClient() = default;

bool WsClient::Open(uint16_t port, const std::string& target, const std::string& authorization) {
  const bool open = Handshake(ws_, port, target, authorization);
  ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::pong) pongs_.fetch_add(1);
  });
  return open;
}

std::optional<google::protobuf::Struct> WsClient::Next() {
  beast::flat_buffer buffer;
  beast::error_code ec;
  bool done = false;
  ws_.async_read(buffer, [&](beast::error_code e, size_t) {
    ec = e;
    done = true;
  });
  ioc_.restart();
  ioc_.run_for(kFrameWait);
  if (!done) {
    beast::get_lowest_layer(ws_).cancel();
    ioc_.restart();
    ioc_.run();
    ADD_FAILURE() << "no frame within " << kFrameWait.count() << " s";
    return std::nullopt;
  }
  if (ec) {
    ADD_FAILURE() << "read failed: " << ec.message();
    return std::nullopt;
  }
  const std::string text = beast::buffers_to_string(buffer.data());
  frames_.push_back(text);
  return ParseJson(text);
}

std::optional<google::protobuf::Struct> WsClient::Until(
    const std::string& type, const std::function<bool(const google::protobuf::Struct&)>& match) {
  for (int i = 0; i < 1000; ++i) {
    std::optional<google::protobuf::Struct> frame = Next();
    if (!frame) return std::nullopt;
    if (Str(*frame, "type") == type && (!match || match(Obj(*frame, "data")))) return frame;
  }
  ADD_FAILURE() << "no " << type << " frame among 1000";
  return std::nullopt;
}

void WsClient::Ping() { ws_.ping("are-you-there"); }

WsRecorder::WsRecorder(uint16_t port, const std::string& target, const std::string& authorization)
    : ws_(ioc_) {
  opened_ = Handshake(ws_, port, target, authorization);
  if (opened_) reader_ = std::thread([this] { ReadLoop(); });
}

WsRecorder::~WsRecorder() {
  if (!reader_.joinable()) return;
  // Closing the socket from here ends the blocking read with an error.
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
  reader_.join();
}

void WsRecorder::ReadLoop() {
  for (;;) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    ws_.read(buffer, ec);
    if (ec) return;  // closed by the gateway or by the destructor
    std::lock_guard<std::mutex> lock(mu_);
    texts_.push_back(beast::buffers_to_string(buffer.data()));
  }
}

std::vector<google::protobuf::Struct> WsRecorder::Frames() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<google::protobuf::Struct> out;
  out.reserve(texts_.size());
  for (const std::string& t : texts_) out.push_back(ParseJson(t));
  return out;
}

std::optional<google::protobuf::Struct> WsRecorder::Find(
    const std::string& type, const std::function<bool(const google::protobuf::Struct&)>& match) {
  for (google::protobuf::Struct& frame : Frames()) {
    if (Str(frame, "type") == type && match(Obj(frame, "data"))) return std::move(frame);
  }
  return std::nullopt;
}

}  // namespace datamesh::e2e
