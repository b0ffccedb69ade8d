// Library-internal: one HTTP/1.1 connection, and the reader/writer a handler uses on it.
//
// A connection alternates between two owners. While it waits for a request header it is driven
// by async operations on its strand. Once a request is routed, the handler's worker owns the
// exchange: it starts exactly one async operation at a time (Await) and blocks until it
// completes, so the parser, buffer and stream are never touched by two threads at once. When
// the handler returns, ownership goes back to the strand (AfterRequest).
#pragma once

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>

#include "services/gateway/http/request.h"
#include "services/gateway/http/server_internal.h"

namespace datamesh::gateway::http::internal {

namespace bhttp = beast::http;
using Parser = bhttp::request_parser<bhttp::buffer_body>;

struct OpResult {
  beast::error_code ec;
  size_t bytes = 0;
};

// How long one exchange may take (see http_server.h, Timeouts): a deadline for the whole
// exchange, or for a transfer the minimum rate, counted over the time spent waiting on the
// client only — a handler busy elsewhere does not make its client slow.
class ExchangePace {
 public:
  using Clock = std::chrono::steady_clock;
  ExchangePace(const HttpServer::Options& options, bool transfer);
  // The expiry to set on the stream for the next operation.
  Clock::duration NextExpiry() const;
  // Accounts an operation that started at `started` and moved `bytes`: DEADLINE_EXCEEDED when
  // the exchange must end (`what` names the direction in the message), else OK.
  absl::Status Account(Clock::time_point started, size_t bytes, bool timed_out,
                       std::string_view what, ServerContext& ctx);

 private:
  const HttpServer::Options& options_;
  const bool transfer_;
  const Clock::time_point deadline_;
  Clock::duration waited_{};
  uint64_t window_bytes_ = 0;
};

class Connection final : public Closable, public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerContext& ctx, tcp::socket socket);
  ~Connection() override;

  void Start();
  void Shutdown(bool force) override;

  // --- Used by the worker that owns the current exchange. ---
  // Runs `start(self)` on the strand; `start` must begin one async operation whose completion
  // is Completion(). Blocks until it completes.
  template <class F>
  OpResult Await(F&& start) {
    {
      std::lock_guard<std::mutex> lock(op_mu_);
      op_done_ = false;
    }
    net::dispatch(executor_, [self = shared_from_this(), &start] { start(*self); });
    std::unique_lock<std::mutex> lock(op_mu_);
    op_cv_.wait(lock, [this] { return op_done_; });
    return op_result_;
  }
  auto Completion() {
    return [self = shared_from_this()](beast::error_code ec, size_t n) { self->Complete(ec, n); };
  }
  // The exchange's timing (set by RunHandler for the handler's lifetime).
  ExchangePace& pace() { return *pace_; }
  // Decides, when response headers go out, whether the connection survives this exchange.
  bool DecideKeepAlive(bool body_done);
  void MarkClose() { close_after_ = true; }

  ServerContext& ctx() { return ctx_; }
  beast::tcp_stream& stream() { return stream_; }
  beast::flat_buffer& buffer() { return buffer_; }
  Parser& parser() { return *parser_; }

 private:
  void Complete(beast::error_code ec, size_t n);
  void DoReadHeader();
  void ReadHeaderRest();
  void OnHeader(beast::error_code ec);
  void Route(Request request, const std::vector<std::string>& segments);
  void RunHandler(const Router::Route& route, Request request);
  void RunWebSocket(const Router::Route& route, Request request);
  void HandOff(WebSocketCallbacks callbacks, std::string request_id);
  void AfterRequest();
  // Answers from the strand (no handler involved), then reads on or closes. `target` is the
  // request's, empty when none parsed.
  void SendEarlyError(ServerError::Stage stage, const absl::Status& status,
                      const std::string& request_id, std::string_view target, bool close,
                      bool head = false, std::string allow = {}, int retry_after = 0);
  void CloseGracefully();
  void DoLinger();
  void CloseNow();

  ServerContext& ctx_;
  net::any_io_executor executor_;  // the connection's strand
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  std::string remote_;
  uint64_t tracker_id_ = 0;
  bool idle_ = false;    // waiting for a request header; strand only
  bool served_ = false;  // a request was answered: the next waits up to idle_timeout
  std::optional<ExchangePace> pace_;
  bool handed_off_ = false;  // the stream now belongs to a WebSocket session; strand only
  // Written by the owning worker, read on the strand after it hands back (post orders them).
  bool close_after_ = false;
  std::shared_ptr<bhttp::response<bhttp::string_body>> early_response_;
  std::array<char, 4096> linger_buffer_;
  size_t linger_bytes_ = 0;

  std::mutex op_mu_;
  std::condition_variable op_cv_;
  bool op_done_ = false;
  OpResult op_result_;
};

// Builds the response for a server error: the router's renderer's document, or the API.md
// JSON shape without one; with X-Request-Id and keep-alive.
std::shared_ptr<bhttp::response<bhttp::string_body>> MakeErrorResponse(
    const ErrorRenderer& renderer, const ServerError& error, bool keep_alive, bool head);

// The renderer's answer for `error`, or the REST API's JSON without a renderer.
RenderedError RenderServerError(const ErrorRenderer& renderer, const ServerError& error);

class BodyReaderImpl final : public BodyReader {
 public:
  BodyReaderImpl(Connection& conn, bool expect_continue, uint64_t limit);
  absl::StatusOr<size_t> Read(char* buffer, size_t size) override;
  bool done() const override { return done_; }
  const absl::Status& failure() const { return failure_; }

 private:
  absl::Status Fail(absl::Status status);

  Connection& conn_;
  bool expect_continue_;
  uint64_t limit_;
  bool done_;
  absl::Status failure_;
};

class ResponseWriterImpl final : public ResponseWriter {
 public:
  ResponseWriterImpl(Connection& conn, const Request& request, BodyReaderImpl& reader);
  void SetStatus(int status) override { status_ = status; }
  void SetHeader(std::string_view name, std::string_view value) override;
  absl::Status WriteWhole(std::string body, std::string_view content_type) override;
  absl::Status WriteError(const absl::Status& status) override;
  absl::Status BeginStream(std::optional<uint64_t> content_length) override;
  absl::Status Write(std::string_view data) override;
  absl::Status Finish() override;
  bool headers_sent() const override { return sent_; }
  // Makes sure the client got a complete answer once the handler returned.
  void Complete();

 private:
  enum class Mode { kWhole, kLength, kChunked };
  template <class Message>
  void Decorate(Message& message, bool keep_alive);
  // Runs one write operation (started by `start` on the strand) under the exchange's pace.
  absl::Status Send(const std::function<void(Connection&)>& start, size_t bytes);

  Connection& conn_;
  const Request& request_;
  BodyReaderImpl& reader_;
  int status_ = 200;
  HeaderList headers_;
  bool sent_ = false;
  bool finished_ = false;
  Mode mode_ = Mode::kWhole;
  uint64_t remaining_ = 0;
  absl::Status broken_;
};

}  // namespace datamesh::gateway::http::internal
