// Test helpers: a server on a free loopback port and a few blocking Beast client calls.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <string>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/gateway/http/http_server.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::gateway::http::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
using Response = bhttp::response<bhttp::string_body>;

// Guards waits so a broken server fails the test instead of hanging it.
inline bool WaitFor(absl::Notification& n) {
  return n.WaitForNotificationWithTimeout(absl::Seconds(30));
}

class ServerFixture : public ::testing::Test {
 protected:
  // Stops the server before members of derived fixtures, which its callbacks may use, go away.
  void TearDown() override { server_.reset(); }

  void StartServer(Router router, HttpServer::Options options = {}) {
    options.bind_address = "127.0.0.1:0";
    server_ = std::make_unique<HttpServer>(std::move(options), std::move(router));
    ASSERT_OK(server_->Start());
  }

  tcp::socket Connect() {
    tcp::socket socket(ioc_);
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
    return socket;
  }

  static Response RoundTrip(tcp::socket& socket, bhttp::request<bhttp::string_body> req,
                            beast::flat_buffer& buffer) {
    req.version(11);
    req.set(bhttp::field::host, "127.0.0.1");
    req.prepare_payload();
    bhttp::write(socket, req);
    Response res;
    bhttp::read(socket, buffer, res);
    return res;
  }

  Response Get(std::string target, std::string request_id = {}) {
    tcp::socket socket = Connect();
    bhttp::request<bhttp::string_body> req(bhttp::verb::get, target, 11);
    if (!request_id.empty()) req.set("X-Request-Id", request_id);
    beast::flat_buffer buffer;
    return RoundTrip(socket, std::move(req), buffer);
  }

  // Sends raw bytes and reads one response (or nothing if the server just closes).
  Response Raw(tcp::socket& socket, std::string_view bytes, beast::error_code& ec) {
    net::write(socket, net::buffer(bytes.data(), bytes.size()));
    beast::flat_buffer buffer;
    Response res;
    bhttp::read(socket, buffer, res, ec);
    return res;
  }

  // True once the server has closed the connection (reads hit end of stream).
  static bool ServerClosed(tcp::socket& socket) {
    char byte;
    beast::error_code ec;
    socket.read_some(net::buffer(&byte, 1), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
  }

  net::io_context ioc_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace datamesh::gateway::http::testing
