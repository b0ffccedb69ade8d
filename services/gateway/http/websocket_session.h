// A server-side WebSocket connection (text frames) with a bounded send queue.
//
// Lifecycle: a WebSocket route's handler runs on a worker with the upgrade request and decides:
// an error status answers the upgrade with API.md's error shape (e.g. 401) and no upgrade; OK
// returns the callbacks, the handshake completes, `on_open` receives the session, `on_message`
// receives each text message, and `on_close` runs once when the connection ends for any reason
// (client close, error, timeout, Close(), drop, server stop).
//
// Memory is bounded: Send() queues at most Options::max_queued_bytes; a client that does not
// read fast enough is dropped (its connection is closed) rather than allowed to grow the queue.
// Incoming messages are limited to Options::max_message_bytes. The server pings an idle client
// and closes the connection if it stops answering.
//
// Threading: callbacks run on the server's I/O threads and must not block (hand work to another
// thread). Send, Close, Ping and is_open are thread-safe and never block. The session object
// stays valid for as long as someone holds the shared_ptr; after the connection ended its
// methods are harmless no-ops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace datamesh::gateway::http {

class Request;

class WebSocketSession {
 public:
  virtual ~WebSocketSession() = default;

  // Queues a text message. False if the session is closed, or if the message would exceed the
  // queue limit — the client is then dropped.
  virtual bool Send(std::string text) = 0;
  // Starts a clean close with `code` (1000 = normal) and a short reason.
  virtual void Close(uint16_t code, std::string_view reason) = 0;
  // Sends a ping frame (idle pings are automatic; this is for callers that want one now).
  virtual void Ping() = 0;
  virtual bool is_open() const = 0;
  // True if the session was dropped for being a slow consumer.
  virtual bool dropped() const = 0;
  // What Send has queued and the socket has not taken yet, so that a caller can apply a tighter
  // limit of its own (and close with a reason) before the queue limit drops the client.
  virtual size_t queued_bytes() const = 0;
  virtual size_t queued_messages() const = 0;
  virtual std::string_view request_id() const = 0;
};

struct WebSocketCallbacks {
  std::function<void(std::shared_ptr<WebSocketSession>)> on_open;
  std::function<void(WebSocketSession&, std::string_view message)> on_message;
  std::function<void(WebSocketSession&)> on_close;
};

using WebSocketHandler = std::function<absl::StatusOr<WebSocketCallbacks>(const Request&)>;

}  // namespace datamesh::gateway::http
