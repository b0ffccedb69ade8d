#include "services/gateway/http/connection.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <limits>

#include "services/gateway/http/request_internal.h"
#include "services/gateway/http/url.h"

namespace datamesh::gateway::http::internal {
namespace {

// Most request bytes drained after an answer that closes the connection (CloseGracefully).
constexpr size_t kMaxLingerBytes = size_t{64} << 20;

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

bool IsDisconnect(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == beast::error::timeout || ec == net::error::operation_aborted ||
         ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::bad_descriptor;
}

// Fills `request` from the parsed header; INVALID_ARGUMENT (400) or 414 for bad targets.
absl::Status BuildRequest(const Parser& parser, size_t max_target, Request& request,
                          std::vector<std::string>& segments) {
  using A = RequestAccess;
  const auto& req = parser.get();
  const std::string_view target(req.target().data(), req.target().size());
  if (target.size() > max_target) {
    return WithHttpError(absl::InvalidArgumentError("request target too long"), 414,
                         "URI_TOO_LONG");
  }
  A::method(request) = std::string(req.method_string());
  A::target(request) = std::string(target);
  auto parts = SplitTarget(target);
  if (!parts.ok()) return parts.status();
  A::path(request) = std::string(parts->path);
  auto decoded = DecodePathSegments(parts->path);
  if (!decoded.ok()) return decoded.status();
  segments = *std::move(decoded);
  auto query = ParseQuery(parts->query);
  if (!query.ok()) return query.status();
  A::query(request) = *std::move(query);
  for (const auto& field : req) {
    A::headers(request).emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  if (auto length = parser.content_length()) A::content_length(request) = *length;
  return absl::OkStatus();
}

std::string RequestIdFor(const Parser& parser) {
  const auto& req = parser.get();
  auto it = req.find("X-Request-Id");
  if (it != req.end()) {
    const std::string_view id(it->value().data(), it->value().size());
    if (IsValidRequestId(id)) return std::string(id);
  }
  return NewRequestId();
}

}  // namespace

RenderedError RenderServerError(const ErrorRenderer& renderer, const ServerError& error) {
  if (renderer) return renderer(error);
  const ApiError api = ApiErrorFor(error.status);
  return {api.http_status, "application/json", ErrorJson(api)};
}

std::shared_ptr<bhttp::response<bhttp::string_body>> MakeErrorResponse(
    const ErrorRenderer& renderer, const ServerError& error, bool keep_alive, bool head) {
  RenderedError rendered = RenderServerError(renderer, error);
  auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
  res->version(11);
  res->result(static_cast<unsigned>(rendered.http_status));
  res->set(bhttp::field::content_type, rendered.content_type);
  res->set("X-Request-Id", std::string(error.request_id));
  for (const auto& [name, value] : rendered.headers) res->set(name, value);
  std::string body = std::move(rendered.body);
  res->content_length(body.size());
  if (!head) res->body() = std::move(body);
  res->keep_alive(keep_alive);
  return res;
}

void StartHttpConnection(ServerContext& ctx, tcp::socket socket) {
  std::make_shared<Connection>(ctx, std::move(socket))->Start();
}

Connection::Connection(ServerContext& ctx, tcp::socket socket)
    : ctx_(ctx), executor_(socket.get_executor()), stream_(std::move(socket)) {
  ++ctx_.connections_open;
}

Connection::~Connection() {
  --ctx_.connections_open;
  if (tracker_id_ != 0) ctx_.tracker.Remove(tracker_id_);
}

void Connection::Start() {
  beast::error_code ec;
  stream_.socket().set_option(tcp::no_delay(true), ec);
  const auto peer = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_ = peer.address().to_string() + ":" + std::to_string(peer.port());
  tracker_id_ = ctx_.tracker.Add(weak_from_this(), ctx_.options.max_connections);
  net::dispatch(executor_, [self = shared_from_this()] {
    if (self->tracker_id_ != 0) {
      self->DoReadHeader();
    } else if (self->ctx_.stopping) {
      self->CloseNow();
    } else {
      ++self->ctx_.connections_refused;
      self->SendEarlyError(
          ServerError::Stage::kRequest,
          absl::UnavailableError("the server has too many open connections; retry later"),
          NewRequestId(), /*target=*/{}, /*close=*/true, /*head=*/false, /*allow=*/{},
          static_cast<int>(self->ctx_.options.busy_retry_after.count()));
    }
  });
}

void Connection::Shutdown(bool force) {
  net::post(executor_, [self = shared_from_this(), force] {
    if (self->handed_off_) return;
    // A busy connection closes after its exchange, because `stopping` is set.
    if (force || self->idle_) self->CloseNow();
  });
}

void Connection::Complete(beast::error_code ec, size_t n) {
  {
    std::lock_guard<std::mutex> lock(op_mu_);
    op_result_ = {ec, n};
    op_done_ = true;
  }
  op_cv_.notify_one();
}

bool Connection::DecideKeepAlive(bool body_done) {
  const bool keep = !close_after_ && body_done && !ctx_.stopping && parser_->keep_alive();
  if (!keep) close_after_ = true;
  return keep;
}

void Connection::DoReadHeader() {
  if (ctx_.stopping) return CloseNow();
  idle_ = true;
  close_after_ = false;
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(ctx_.options.header_limit));
  // The route's limit is applied once the header is routed; Beast would otherwise judge the
  // declared Content-Length against a default before we know the route.
  // (Beast compares the length with an optional limit, so "none" would refuse every body.)
  parser_->body_limit(std::numeric_limits<uint64_t>::max());
  if (!served_ || buffer_.size() > 0) return ReadHeaderRest();
  // A kept-alive connection may idle until its next request begins; from its first byte the
  // header has header_timeout, so trickling a header cannot hold the connection.
  stream_.expires_after(ctx_.options.idle_timeout);
  stream_.async_read_some(buffer_.prepare(4096),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->buffer_.commit(n);
                            if (ec) return self->OnHeader(ec);
                            self->ReadHeaderRest();
                          });
}

void Connection::ReadHeaderRest() {
  stream_.expires_after(ctx_.options.header_timeout);
  bhttp::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void Connection::OnHeader(beast::error_code ec) {
  idle_ = false;
  if (ec == bhttp::error::header_limit) {
    return SendEarlyError(ServerError::Stage::kRequest,
                          WithHttpError(absl::InvalidArgumentError("request header too large"), 431,
                                        "HEADER_TOO_LARGE"),
                          NewRequestId(), /*target=*/{}, /*close=*/true);
  }
  if (ec && (IsDisconnect(ec) || !IsHttpParseError(ec))) {
    if (ec == beast::error::timeout) ++ctx_.timeouts;
    return CloseNow();
  }
  if (ec) {
    return SendEarlyError(ServerError::Stage::kRequest,
                          absl::InvalidArgumentError("malformed HTTP request"), NewRequestId(),
                          /*target=*/{}, /*close=*/true);
  }
  stream_.expires_never();
  Request request;
  RequestAccess::request_id(request) = RequestIdFor(*parser_);
  RequestAccess::remote_address(request) = remote_;
  std::vector<std::string> segments;
  const absl::Status built =
      BuildRequest(*parser_, ctx_.options.max_target_length, request, segments);
  if (!built.ok()) {
    return SendEarlyError(ServerError::Stage::kRequest, built, std::string(request.request_id()),
                          request.target(), /*close=*/true, request.is_head());
  }
  Route(std::move(request), segments);
}

void Connection::Route(Request request, const std::vector<std::string>& segments) {
  const bool head = request.is_head();
  const bool keep = parser_->is_done() && parser_->keep_alive();
  const std::string id(request.request_id());
  Router::Match match = ctx_.router.Find(request.method(), segments);
  if (match.route == nullptr && match.allowed.empty()) {
    return SendEarlyError(ServerError::Stage::kRoute, absl::NotFoundError("no such route"), id,
                          request.target(), !keep, head);
  }
  if (match.route == nullptr) {
    std::string allow;
    for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
    return SendEarlyError(
        ServerError::Stage::kRoute,
        WithHttpError(absl::InvalidArgumentError("method not allowed"), 405, "METHOD_NOT_ALLOWED"),
        id, request.target(), !keep, head, allow);
  }
  RequestAccess::path_params(request) = std::move(match.params);
  const Router::Route& route = *match.route;
  if (route.ws_handler) {
    if (!beast::websocket::is_upgrade(parser_->get())) {
      return SendEarlyError(ServerError::Stage::kRoute,
                            absl::InvalidArgumentError("WebSocket upgrade required"), id,
                            request.target(), !keep);
    }
    ctx_.workers->Post([self = shared_from_this(), &route, request = std::move(request)]() mutable {
      self->RunWebSocket(route, std::move(request));
    });
    return;
  }
  const uint64_t limit = route.options.body_limit.value_or(ctx_.options.body_limit);
  if (request.content_length().value_or(0) > limit) {
    return SendEarlyError(
        ServerError::Stage::kRoute,
        PayloadTooLarge("request body exceeds " + std::to_string(limit) + " bytes"), id,
        request.target(), /*close=*/true, head);
  }
  parser_->body_limit(limit);
  WorkerPool* pool = route.options.probe ? ctx_.probes : ctx_.workers;
  pool->Post([self = shared_from_this(), &route, request = std::move(request)]() mutable {
    self->RunHandler(route, std::move(request));
  });
}

void Connection::RunHandler(const Router::Route& route, Request request) {
  const auto expect = request.header("Expect");
  const bool expect_continue =
      expect.has_value() && (*expect == "100-continue" || *expect == "100-Continue");
  pace_.emplace(ctx_.options, route.options.transfer);
  BodyReaderImpl reader(*this, expect_continue,
                        route.options.body_limit.value_or(ctx_.options.body_limit));
  ResponseWriterImpl writer(*this, request, reader);
  try {
    route.handler(request, reader, writer);
  } catch (...) {
    // A throwing handler is a bug; the client still gets an answer and nothing else suffers.
    if (!writer.headers_sent()) {
      (void)writer.WriteError(absl::InternalError("handler threw"));
    } else {
      close_after_ = true;
    }
  }
  writer.Complete();
  if (!reader.done()) close_after_ = true;
  served_ = true;
  net::post(executor_, [self = shared_from_this()] { self->AfterRequest(); });
}

void Connection::RunWebSocket(const Router::Route& route, Request request) {
  absl::StatusOr<WebSocketCallbacks> callbacks = absl::InternalError("handler threw");
  try {
    callbacks = route.ws_handler(request);
  } catch (...) {
  }
  pace_.emplace(ctx_.options, /*transfer=*/false);
  if (!callbacks.ok()) {
    BodyReaderImpl reader(*this, false, 0);
    ResponseWriterImpl writer(*this, request, reader);
    close_after_ = true;
    (void)writer.WriteError(callbacks.status());
    net::post(executor_, [self = shared_from_this()] { self->AfterRequest(); });
    return;
  }
  net::post(executor_, [self = shared_from_this(), cb = *std::move(callbacks),
                        id = std::string(request.request_id())]() mutable {
    self->HandOff(std::move(cb), std::move(id));
  });
}

void Connection::HandOff(WebSocketCallbacks callbacks, std::string request_id) {
  if (ctx_.stopping) return CloseNow();
  handed_off_ = true;
  bhttp::request<bhttp::empty_body> upgrade(std::move(parser_->get().base()));
  StartWebSocketSession(ctx_, std::move(stream_), std::move(upgrade), std::move(callbacks),
                        std::move(request_id));
}

void Connection::AfterRequest() {
  if (close_after_ || ctx_.stopping) return CloseGracefully();
  // An idle keep-alive connection keeps only what a request header needs.
  if (buffer_.size() == 0) buffer_.shrink_to_fit();
  DoReadHeader();
}

void Connection::SendEarlyError(ServerError::Stage stage, const absl::Status& status,
                                const std::string& request_id, std::string_view target, bool close,
                                bool head, std::string allow, int retry_after) {
  if (ctx_.stopping) close = true;
  early_response_ = MakeErrorResponse(ctx_.router.error_renderer(),
                                      {stage, status, target, request_id}, !close, head);
  if (!allow.empty()) early_response_->set(bhttp::field::allow, allow);
  if (retry_after > 0) early_response_->set(bhttp::field::retry_after, std::to_string(retry_after));
  served_ = true;
  stream_.expires_after(ctx_.options.io_timeout);
  bhttp::async_write(stream_, *early_response_,
                     [self = shared_from_this(), close](beast::error_code ec, size_t) {
                       self->early_response_.reset();
                       if (ec) return self->CloseNow();
                       if (close) return self->CloseGracefully();
                       self->DoReadHeader();
                     });
}

// Closing a socket with unread input makes the kernel send a reset, which can destroy the
// answer we just wrote before the client reads it. So: half-close, then drain for a while.
// The drain is bounded by `linger_timeout` and by kMaxLingerBytes, which must exceed what a
// client sends before it notices the answer: curl pushes a whole upload of many MiB at loopback
// speed first, and a cap of 1 MiB reset such uploads (their 503 or 413 lost) when refused early.
void Connection::CloseGracefully() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return CloseNow();
  linger_bytes_ = 0;
  stream_.expires_after(ctx_.options.linger_timeout);
  DoLinger();
}

void Connection::DoLinger() {
  stream_.async_read_some(net::buffer(linger_buffer_),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->linger_bytes_ += n;
                            if (ec || self->linger_bytes_ > kMaxLingerBytes) {
                              return self->CloseNow();
                            }
                            self->DoLinger();
                          });
}

void Connection::CloseNow() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

}  // namespace datamesh::gateway::http::internal
