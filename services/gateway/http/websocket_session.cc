#include "services/gateway/http/websocket_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>

#include "services/gateway/http/server_internal.h"

namespace datamesh::gateway::http::internal {
namespace {

namespace websocket = beast::websocket;

class WebSocketSessionImpl final : public WebSocketSession,
                                   public Closable,
                                   public std::enable_shared_from_this<WebSocketSessionImpl> {
 public:
  WebSocketSessionImpl(ServerContext& ctx, beast::tcp_stream stream,
                       beast::http::request<beast::http::empty_body> upgrade,
                       WebSocketCallbacks callbacks, std::string request_id)
      : ctx_(ctx),
        executor_(stream.get_executor()),
        ws_(std::in_place, std::move(stream)),
        upgrade_(std::move(upgrade)),
        callbacks_(std::move(callbacks)),
        request_id_(std::move(request_id)) {}

  ~WebSocketSessionImpl() override {
    if (tracker_id_ != 0) ctx_.tracker.Remove(tracker_id_);
  }

  void Start();

  bool Send(std::string text) override;
  void Close(uint16_t code, std::string_view reason) override;
  void Ping() override;
  bool is_open() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return open_;
  }
  bool dropped() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return dropped_;
  }
  size_t queued_bytes() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return queued_bytes_;
  }
  size_t queued_messages() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }
  std::string_view request_id() const override { return request_id_; }
  void Shutdown(bool force) override;

 private:
  void OnAccept(beast::error_code ec);
  void DoRead();
  void DoWrite();
  void Finish();
  void CloseSocket();
  void MaybeRelease();

  ServerContext& ctx_;
  net::any_io_executor executor_;
  // Destroyed (MaybeRelease) once the session ended and no operation is pending, so a session
  // handle that outlives the server never touches its io_context.
  std::optional<websocket::stream<beast::tcp_stream>> ws_;
  beast::http::request<beast::http::empty_body> upgrade_;
  WebSocketCallbacks callbacks_;
  const std::string request_id_;
  uint64_t tracker_id_ = 0;
  beast::flat_buffer read_buffer_;

  // Strand only.
  bool finished_ = false;
  bool ping_pending_ = false;
  bool closing_ = false;
  bool close_pending_ = false;
  bool write_pending_ = false;

  // Shared between Send (any thread) and the strand.
  mutable std::mutex mu_;
  bool open_ = false;
  bool dropped_ = false;
  bool writing_ = false;
  std::deque<std::string> queue_;  // front() is being written
  size_t queued_bytes_ = 0;
};

void WebSocketSessionImpl::Start() {
  tracker_id_ = ctx_.tracker.Add(weak_from_this(), ctx_.options.max_connections + 1);
  if (tracker_id_ == 0) return CloseSocket();
  beast::get_lowest_layer(*ws_).expires_never();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = ctx_.options.io_timeout;
  timeouts.idle_timeout = ctx_.options.ws_idle_timeout;
  timeouts.keep_alive_pings = true;
  ws_->set_option(timeouts);
  ws_->read_message_max(ctx_.options.ws_max_message_bytes);
  ws_->set_option(websocket::stream_base::decorator(
      [id = request_id_](websocket::response_type& res) { res.set("X-Request-Id", id); }));
  ws_->async_accept(upgrade_,
                    [self = shared_from_this()](beast::error_code ec) { self->OnAccept(ec); });
}

void WebSocketSessionImpl::OnAccept(beast::error_code ec) {
  if (ec) return CloseSocket();  // never opened: no callbacks
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
  }
  ws_->text(true);
  if (callbacks_.on_open) callbacks_.on_open(shared_from_this());
  DoRead();
}

// The read loop runs for the session's whole life; every way of ending (close frame, error,
// timeout, a closed socket) ends it, so Finish runs exactly once, from here.
void WebSocketSessionImpl::DoRead() {
  ws_->async_read(read_buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
    if (ec) return self->Finish();
    const auto data = self->read_buffer_.cdata();
    if (self->callbacks_.on_message) {
      self->callbacks_.on_message(
          *self, std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    self->read_buffer_.consume(self->read_buffer_.size());
    self->DoRead();
  });
}

bool WebSocketSessionImpl::Send(std::string text) {
  bool start = false;
  bool drop = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!open_) return false;
    if (queued_bytes_ + text.size() > ctx_.options.ws_max_queued_bytes) {
      // A consumer that cannot keep up is cut off; queuing more would grow without bound.
      dropped_ = drop = true;
      open_ = false;
    } else {
      queued_bytes_ += text.size();
      queue_.push_back(std::move(text));
      start = !writing_;
      writing_ = writing_ || start;
    }
  }
  if (drop) {
    net::post(executor_, [self = shared_from_this()] { self->CloseSocket(); });
    return false;
  }
  if (start) net::post(executor_, [self = shared_from_this()] { self->DoWrite(); });
  return true;
}

void WebSocketSessionImpl::DoWrite() {
  const std::string* front = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.empty() || finished_) {
      writing_ = false;
      return;
    }
    // deque::push_back keeps references to existing elements valid.
    front = &queue_.front();
  }
  write_pending_ = true;
  ws_->async_write(net::buffer(*front), [self = shared_from_this()](beast::error_code ec, size_t) {
    self->write_pending_ = false;
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      self->queued_bytes_ -= self->queue_.front().size();
      self->queue_.pop_front();
    }
    if (ec || self->finished_) {
      self->CloseSocket();
      return self->MaybeRelease();
    }
    self->DoWrite();
  });
}

void WebSocketSessionImpl::Close(uint16_t code, std::string_view reason) {
  net::dispatch(executor_, [self = shared_from_this(), code, reason = std::string(reason)] {
    if (self->finished_ || self->closing_) return;
    self->closing_ = true;
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      self->open_ = false;
    }
    // The read loop sees the peer's answer to the close frame and ends the session.
    self->close_pending_ = true;
    self->ws_->async_close(
        websocket::close_reason(static_cast<websocket::close_code>(code), reason),
        [self](beast::error_code ec) {
          self->close_pending_ = false;
          if (ec) self->CloseSocket();
          self->MaybeRelease();
        });
  });
}

void WebSocketSessionImpl::Ping() {
  net::dispatch(executor_, [self = shared_from_this()] {
    if (self->finished_ || self->closing_ || self->ping_pending_) return;
    self->ping_pending_ = true;
    self->ws_->async_ping({}, [self](beast::error_code) {
      self->ping_pending_ = false;
      self->MaybeRelease();
    });
  });
}

void WebSocketSessionImpl::Shutdown(bool force) {
  if (force) {
    net::post(executor_, [self = shared_from_this()] { self->CloseSocket(); });
  } else {
    Close(static_cast<uint16_t>(websocket::close_code::going_away), "server stopping");
  }
}

void WebSocketSessionImpl::CloseSocket() {
  if (!ws_) return;
  beast::error_code ignored;
  beast::get_lowest_layer(*ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(*ws_).socket().close(ignored);
}

void WebSocketSessionImpl::Finish() {
  if (finished_) return;
  finished_ = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
  }
  CloseSocket();
  if (callbacks_.on_close) callbacks_.on_close(*this);
  // Break cycles: callbacks commonly capture the session's owner, which holds the session.
  callbacks_ = {};
  MaybeRelease();
}

void WebSocketSessionImpl::MaybeRelease() {
  if (!finished_ || write_pending_ || ping_pending_ || close_pending_ || !ws_) return;
  ws_.reset();
  if (tracker_id_ != 0) {
    ctx_.tracker.Remove(tracker_id_);
    tracker_id_ = 0;
  }
}

}  // namespace

void StartWebSocketSession(ServerContext& ctx, beast::tcp_stream stream,
                           beast::http::request<beast::http::empty_body> upgrade,
                           WebSocketCallbacks callbacks, std::string request_id) {
  std::make_shared<WebSocketSessionImpl>(ctx, std::move(stream), std::move(upgrade),
                                         std::move(callbacks), std::move(request_id))
      ->Start();
}

}  // namespace datamesh::gateway::http::internal
