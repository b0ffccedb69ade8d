// Library-internal pieces shared by the server's translation units. Includes Beast: only this
// library's .cc files may include it.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "services/gateway/http/api_error.h"
#include "services/gateway/http/http_server.h"
#include "services/gateway/http/router.h"
#include "services/gateway/http/worker_pool.h"

namespace datamesh::gateway::http::internal {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

// Something the server must be able to wind down at Stop.
class Closable {
 public:
  virtual ~Closable() = default;
  // Graceful: close if idle, otherwise finish the current exchange and close. Forced: close
  // the socket now. Called from any thread; implementations post to their strand.
  virtual void Shutdown(bool force) = 0;
};

// The live connections (HTTP and WebSocket), so Stop can reach and wait for them.
class ConnectionTracker {
 public:
  // 0 if the tracker is closed (the server is stopping) or full.
  uint64_t Add(std::weak_ptr<Closable> connection, size_t max);
  void Remove(uint64_t id);
  // Refuses further Adds and asks every connection to shut down.
  void CloseAll(bool force);
  // True if every connection ended before `deadline`.
  bool WaitEmpty(std::chrono::steady_clock::time_point deadline);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, std::weak_ptr<Closable>> live_;
  uint64_t next_id_ = 1;
  bool closed_ = false;
};

// What every connection needs from its server; outlives all connections.
struct ServerContext {
  HttpServer::Options options;
  Router router;
  WorkerPool* workers = nullptr;
  WorkerPool* probes = nullptr;
  ConnectionTracker tracker;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_refused{0};
  std::atomic<uint64_t> slow_clients_cut{0};
  std::atomic<uint64_t> timeouts{0};
};

// Starts serving HTTP on an accepted socket (bound to its own strand). Over max_connections
// the socket gets a 503 and is closed; while stopping it is closed at once.
void StartHttpConnection(ServerContext& ctx, tcp::socket socket);

// Completes the WebSocket handshake for `upgrade` on `stream` and runs the session.
void StartWebSocketSession(ServerContext& ctx, beast::tcp_stream stream,
                           beast::http::request<beast::http::empty_body> upgrade,
                           WebSocketCallbacks callbacks, std::string request_id);

}  // namespace datamesh::gateway::http::internal
