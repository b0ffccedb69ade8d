// The gateway's HTTP/1.1 + WebSocket server (Boost.Beast on Asio, hidden behind a pimpl so that
// including this header costs nothing).
//
// Threading model. `io_threads` threads run all socket I/O asynchronously; each connection is
// serialised on its own strand, so thousands of idle keep-alive or WebSocket connections cost
// no threads. Each request's handler runs on a handler thread and may block (handlers call
// blocking gRPC streams): its BodyReader::Read and ResponseWriter::Write post a single async
// operation to the connection's strand and wait for it. Exactly one operation per connection is
// ever outstanding, so a slow client back-pressures the handler and memory per request stays at
// one read buffer plus the handler's own buffers — nothing is queued.
//
// Handler threads are started on demand up to `max_handler_threads` and end after a while idle
// (worker_pool.h): a long transfer holds one thread, never a slot in a small fixed set, so slow
// transfers cannot starve short requests. The bound is what keeps a flood from exhausting the
// process; per-user limits belong to the routes. Routes marked `probe` (health, metrics) run on
// `probe_threads` of their own and never wait behind anything. Why threads and not coroutines:
// every handler is straight-line code over blocking gRPC streams; an idle blocked thread costs
// its touched stack pages (measured in docs/PERFORMANCE.md), and the bound is a flag.
//
// Limits: request header block (431), target length (414), body per route (413; declared
// lengths are refused before the handler runs), malformed requests (400, connection closed).
// Timeouts: a new connection must deliver a whole header within `header_timeout`; a keep-alive
// connection may idle `idle_timeout` before the next request starts, which then has
// `header_timeout` for its header; a route that is not a transfer must finish its exchange
// within `request_timeout`; a transfer must move `min_rate_bytes` per `min_rate_window` spent
// waiting on the client (reading its body or writing to it), and no single read or write may
// wait longer than `io_timeout`. A connection cut for any of these is closed. Over
// `max_connections` new connections get 503 with Retry-After and are closed.
//
// Every response, errors included, carries X-Request-Id: the client's if valid (api_error.h),
// else a fresh random one.
//
// Thread safety: Start, Stop and port may be called from any one thread; stats from any thread;
// the server is not restartable. The destructor stops with no grace period.
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
    size_t min_handler_threads = 4;
    size_t max_handler_threads = 1024;
    size_t probe_threads = 2;
    size_t max_connections = 4096;
    // What a client refused for too many connections is told to wait.
    std::chrono::seconds busy_retry_after{5};
    size_t header_limit = 16 * 1024;
    size_t max_target_length = 8 * 1024;
    uint64_t body_limit = 1 << 20;  // routes may raise it (RouteOptions)
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds idle_timeout{60'000};
    std::chrono::milliseconds request_timeout{30'000};
    std::chrono::milliseconds io_timeout{60'000};
    uint64_t min_rate_bytes = 16 * 1024;
    std::chrono::milliseconds min_rate_window{30'000};
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

  // Counters and gauges for metrics.
  struct Stats {
    uint64_t connections_open = 0;
    uint64_t connections_refused = 0;  // over max_connections
    uint64_t slow_clients_cut = 0;     // under the minimum transfer rate
    uint64_t timeouts = 0;             // header, idle-header, request deadline or one read/write
    uint64_t handler_threads = 0;
    uint64_t handlers_busy = 0;
    uint64_t handlers_queued = 0;
  };
  Stats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace datamesh::gateway::http
