// The gateway's HTTP/1.1 + WebSocket server (Boost.Beast on Asio, hidden behind a pimpl so that
// including this header costs nothing).
//
// Threading model. `io_threads` threads run all socket I/O asynchronously; each connection is
// serialised on its own strand, so thousands of idle keep-alive or WebSocket connections cost
// no threads. Each request's handler runs on one of `worker_threads` workers and may block
// (handlers call blocking gRPC streams): its BodyReader::Read and ResponseWriter::Write post a
// single async operation to the connection's strand and wait for it. Exactly one operation per
// connection is ever outstanding, so a slow client back-pressures the handler and memory per
// request stays at one read buffer plus the handler's own buffers — nothing is queued. The
// worker count bounds concurrent requests (later requests wait their turn in arrival order);
// a thread per request would bound nothing, and callback-style handlers would make every
// gRPC-streaming handler a state machine.
//
// Limits: request header block (431), target length (414), body per route (413; declared
// lengths are refused before the handler runs), malformed requests (400, connection closed),
// header read / keep-alive idle (`request_timeout`) and each body read or write (`io_timeout`):
// a stalled client is cut. Over `max_connections` new connections get 503 and are closed.
//
// Every response, errors included, carries X-Request-Id: the client's if valid (api_error.h),
// else a fresh random one.
//
// Thread safety: Start, Stop and port may be called from any one thread; the server is not
// restartable. The destructor stops with no grace period.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "services/gateway/http/router.h"

namespace datamesh::gateway::http {

class HttpServer {
 public:
  struct Options {
    // "host:port"; an empty host (":8080") means every IPv4 interface; port 0 picks a free one.
    std::string bind_address = "127.0.0.1:8080";
    size_t io_threads = 2;
    size_t worker_threads = 16;
    size_t max_connections = 4096;
    size_t header_limit = 16 * 1024;
    size_t max_target_length = 8 * 1024;
    uint64_t body_limit = 1 << 20;  // routes may raise it (RouteOptions)
    std::chrono::milliseconds request_timeout{30'000};
    std::chrono::milliseconds io_timeout{60'000};
    // After an answer that closes the connection, unread request bytes are drained this long so
    // the client sees the answer instead of a reset.
    std::chrono::milliseconds linger_timeout{1'000};
    size_t ws_max_queued_bytes = 1 << 20;
    size_t ws_max_message_bytes = 64 * 1024;
    // A WebSocket idle this long is pinged at half of it and closed if the ping goes unanswered.
    std::chrono::milliseconds ws_idle_timeout{60'000};
  };

  HttpServer(Options options, Router router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving. INVALID_ARGUMENT for a malformed address, UNAVAILABLE if the
  // address cannot be bound, FAILED_PRECONDITION if called twice.
  [[nodiscard]] absl::Status Start();

  // Stops accepting and closes idle connections; requests in flight may finish until
  // `deadline`, after which their sockets are closed (their reads and writes then fail). Returns
  // once every handler has returned, so handlers must not block forever on other things.
  void Stop(std::chrono::steady_clock::time_point deadline);

  // The bound port (useful with port 0); 0 before Start.
  uint16_t port() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace datamesh::gateway::http
