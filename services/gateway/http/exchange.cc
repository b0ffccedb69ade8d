// The handler's side of an exchange: blocking body reads and response writes on a connection.
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include "absl/strings/str_cat.h"
#include "services/gateway/http/connection.h"

namespace datamesh::gateway::http::internal {
namespace {

absl::Status ReadError(const beast::error_code& ec, uint64_t limit) {
  if (ec == bhttp::error::body_limit) {
    return PayloadTooLarge("request body exceeds " + std::to_string(limit) + " bytes");
  }
  if (ec == bhttp::error::partial_message || ec == bhttp::error::end_of_stream ||
      ec == net::error::eof || ec == net::error::connection_reset) {
    return absl::InvalidArgumentError("request body ended before its declared length");
  }
  if (ec == net::error::operation_aborted || ec == net::error::bad_descriptor) {
    return absl::UnavailableError("connection closed by the server");
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_chunk).category()) {
    return absl::InvalidArgumentError("malformed request body");
  }
  return absl::UnavailableError("connection error while reading the request body");
}

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr size_t kBodyReadBytes = 256 << 10;

int64_t Seconds(std::chrono::milliseconds d) { return (d.count() + 999) / 1000; }

// The client was too slow: 408, the client's doing, not a 504 from behind the gateway.
absl::Status TimedOut(std::string message) {
  return WithHttpError(absl::DeadlineExceededError(std::move(message)), 408, "REQUEST_TIMEOUT");
}

}  // namespace

ExchangePace::ExchangePace(const HttpServer::Options& options, bool transfer)
    : options_(options),
      transfer_(transfer),
      deadline_(transfer ? Clock::time_point::max() : Clock::now() + options.request_timeout) {}

ExchangePace::Clock::duration ExchangePace::NextExpiry() const {
  Clock::duration limit = options_.io_timeout;
  if (!transfer_) {
    limit = std::min(limit, deadline_ - Clock::now());
  } else {
    // The current window ends once `min_rate_window` has been spent waiting; if it already has
    // its bytes, the operation may wait into the next window too.
    Clock::duration left = options_.min_rate_window - waited_;
    if (window_bytes_ >= options_.min_rate_bytes) left += options_.min_rate_window;
    limit = std::min(limit, left);
  }
  return std::max<Clock::duration>(limit, std::chrono::milliseconds(1));
}

absl::Status ExchangePace::Account(Clock::time_point started, size_t bytes, bool timed_out,
                                   std::string_view what, ServerContext& ctx) {
  const absl::string_view verb(what.data(), what.size());
  if (transfer_) {
    waited_ += Clock::now() - started;
    window_bytes_ += bytes;
    while (waited_ >= options_.min_rate_window) {
      if (window_bytes_ < options_.min_rate_bytes) {
        ++ctx.slow_clients_cut;
        // The exchange is over; what the handler still writes (its error answer) starts afresh.
        waited_ = Clock::duration::zero();
        window_bytes_ = 0;
        return TimedOut(absl::StrCat("the client ", verb, " fewer than ", options_.min_rate_bytes,
                                     " bytes in ", Seconds(options_.min_rate_window), " s"));
      }
      waited_ -= options_.min_rate_window;
      window_bytes_ = 0;
    }
  }
  if (!timed_out) return absl::OkStatus();
  ++ctx.timeouts;
  if (!transfer_ && Clock::now() >= deadline_) {
    return TimedOut(absl::StrCat("the request did not complete within ",
                                 Seconds(options_.request_timeout), " s"));
  }
  return TimedOut(
      absl::StrCat("the client ", verb, " nothing for ", Seconds(options_.io_timeout), " s"));
}

BodyReaderImpl::BodyReaderImpl(Connection& conn, bool expect_continue, uint64_t limit)
    : conn_(conn),
      expect_continue_(expect_continue),
      limit_(limit),
      done_(conn.parser().is_done()) {
  // Beast reads as much as the connection buffer's spare capacity, which after a header is a
  // few KiB: a large body would then take one socket read and one hand-off per few KiB. The
  // connection gives the room back when the exchange ends (Connection::AfterRequest).
  if (!done_) conn_.buffer().reserve(kBodyReadBytes);
}

absl::Status BodyReaderImpl::Fail(absl::Status status) {
  failure_ = std::move(status);
  conn_.MarkClose();
  return failure_;
}

absl::StatusOr<size_t> BodyReaderImpl::Read(char* buffer, size_t size) {
  if (!failure_.ok()) return failure_;
  if (done_) return 0;
  if (size == 0) return absl::InvalidArgumentError("Read needs a non-empty buffer");
  ExchangePace& pace = conn_.pace();
  if (expect_continue_) {
    // The client holds the body back until told to send it; only a reader asks for it.
    expect_continue_ = false;
    const auto expiry = pace.NextExpiry();
    OpResult r = conn_.Await([&](Connection& c) {
      c.stream().expires_after(expiry);
      net::async_write(c.stream(), net::buffer(kContinue.data(), kContinue.size()), c.Completion());
    });
    if (r.ec == beast::error::timeout) {
      return Fail(pace.Account(ExchangePace::Clock::now() - expiry, 0, true, "sent", conn_.ctx()));
    }
    if (r.ec) return Fail(ReadError(r.ec, 0));
  }
  while (true) {
    const auto expiry = pace.NextExpiry();
    const auto started = ExchangePace::Clock::now();
    OpResult r = conn_.Await([&](Connection& c) {
      auto& body = c.parser().get().body();
      body.data = buffer;
      body.size = size;
      body.more = true;
      c.stream().expires_after(expiry);
      bhttp::async_read_some(c.stream(), c.buffer(), c.parser(), c.Completion());
    });
    // Await's mutex orders the strand's writes to the parser before these reads.
    auto& body = conn_.parser().get().body();
    const size_t got = size - body.size;
    body.data = nullptr;
    body.size = 0;
    if (r.ec == bhttp::error::need_buffer) r.ec = {};
    const bool timed_out = r.ec == beast::error::timeout;
    if (absl::Status paced = pace.Account(started, got, timed_out, "sent", conn_.ctx());
        !paced.ok()) {
      return Fail(paced);
    }
    if (r.ec) return Fail(ReadError(r.ec, limit_));
    if (conn_.parser().is_done()) done_ = true;
    if (got > 0) return got;
    if (done_) return 0;
  }
}

ResponseWriterImpl::ResponseWriterImpl(Connection& conn, const Request& request,
                                       BodyReaderImpl& reader)
    : conn_(conn), request_(request), reader_(reader) {}

void ResponseWriterImpl::SetHeader(std::string_view name, std::string_view value) {
  for (auto& [key, existing] : headers_) {
    if (key == name) {
      existing = std::string(value);
      return;
    }
  }
  headers_.emplace_back(std::string(name), std::string(value));
}

template <class Message>
void ResponseWriterImpl::Decorate(Message& message, bool keep_alive) {
  message.version(11);
  message.result(static_cast<unsigned>(status_));
  for (const auto& [name, value] : headers_) message.set(name, value);
  message.set("X-Request-Id", std::string(request_.request_id()));
  message.keep_alive(keep_alive);
}

absl::Status ResponseWriterImpl::Send(const std::function<void(Connection&)>& start, size_t bytes) {
  ExchangePace& pace = conn_.pace();
  const auto expiry = pace.NextExpiry();
  const auto started = ExchangePace::Clock::now();
  const OpResult result = conn_.Await([&](Connection& c) {
    c.stream().expires_after(expiry);
    start(c);
  });
  const bool timed_out = result.ec == beast::error::timeout;
  absl::Status paced = pace.Account(started, result.ec ? 0 : bytes, timed_out, "took", conn_.ctx());
  if (!result.ec && paced.ok()) return absl::OkStatus();
  conn_.MarkClose();
  if (!paced.ok()) {
    // Too slow: MarkClose ends the connection once the handler returns.
    broken_ = paced;
  } else {
    broken_ = absl::UnavailableError("client connection lost");
  }
  return broken_;
}

absl::Status ResponseWriterImpl::WriteWhole(std::string body, std::string_view content_type) {
  if (sent_) return absl::FailedPreconditionError("response headers already sent");
  sent_ = true;
  finished_ = true;
  bhttp::response<bhttp::string_body> res;
  Decorate(res, conn_.DecideKeepAlive(reader_.done()));
  if (!content_type.empty()) res.set(bhttp::field::content_type, std::string(content_type));
  res.content_length(body.size());
  if (!request_.is_head()) res.body() = std::move(body);
  const size_t size = res.body().size();
  return Send([&](Connection& c) { bhttp::async_write(c.stream(), res, c.Completion()); }, size);
}

absl::Status ResponseWriterImpl::WriteError(const absl::Status& status) {
  if (sent_) return absl::FailedPreconditionError("response headers already sent");
  RenderedError rendered = RenderServerError(
      conn_.ctx().router.error_renderer(),
      {ServerError::Stage::kHandler, status, request_.target(), request_.request_id()});
  status_ = rendered.http_status;
  for (const auto& [name, value] : rendered.headers) SetHeader(name, value);
  return WriteWhole(std::move(rendered.body), rendered.content_type);
}

absl::Status ResponseWriterImpl::BeginStream(std::optional<uint64_t> content_length) {
  if (sent_) return absl::FailedPreconditionError("response headers already sent");
  sent_ = true;
  bhttp::response<bhttp::empty_body> res;
  Decorate(res, conn_.DecideKeepAlive(reader_.done()));
  if (content_length) {
    mode_ = Mode::kLength;
    remaining_ = *content_length;
    res.content_length(*content_length);
  } else {
    mode_ = Mode::kChunked;
    res.chunked(true);
  }
  bhttp::response_serializer<bhttp::empty_body> serializer(res);
  return Send(
      [&](Connection& c) { bhttp::async_write_header(c.stream(), serializer, c.Completion()); }, 0);
}

absl::Status ResponseWriterImpl::Write(std::string_view data) {
  if (!sent_ || mode_ == Mode::kWhole || finished_) {
    return absl::FailedPreconditionError("Write needs an open stream (BeginStream)");
  }
  if (!broken_.ok()) return broken_;
  // HEAD answers carry no body at all: nothing is counted, so Finish never sees a short body.
  if (request_.is_head()) return absl::OkStatus();
  if (mode_ == Mode::kLength) {
    if (data.size() > remaining_) {
      return absl::OutOfRangeError("write exceeds the declared Content-Length");
    }
    remaining_ -= data.size();
  }
  // An empty chunk would end a chunked body.
  if (data.empty()) return absl::OkStatus();
  const net::const_buffer piece(data.data(), data.size());
  return Send(
      [&](Connection& c) {
        if (mode_ == Mode::kChunked) {
          net::async_write(c.stream(), bhttp::make_chunk(piece), c.Completion());
        } else {
          net::async_write(c.stream(), piece, c.Completion());
        }
      },
      data.size());
}

absl::Status ResponseWriterImpl::Finish() {
  if (!sent_ || mode_ == Mode::kWhole) {
    return absl::FailedPreconditionError("Finish needs an open stream (BeginStream)");
  }
  if (finished_) return absl::OkStatus();
  finished_ = true;
  if (!broken_.ok()) return broken_;
  // A HEAD answer is complete once its headers are out; the connection stays usable.
  if (request_.is_head()) return absl::OkStatus();
  if (mode_ == Mode::kLength) {
    if (remaining_ == 0) return absl::OkStatus();
    // The client would wait for bytes that never come; closing tells it the body is short.
    conn_.MarkClose();
    return absl::FailedPreconditionError("stream ended before its declared Content-Length");
  }
  return Send(
      [&](Connection& c) {
        net::async_write(c.stream(), bhttp::make_chunk_last(), c.Completion());
      },
      0);
}

void ResponseWriterImpl::Complete() {
  if (!sent_) {
    const absl::Status& failure = reader_.failure();
    (void)WriteError(failure.ok() ? absl::InternalError("handler sent no response") : failure);
    return;
  }
  if (mode_ != Mode::kWhole && !finished_) (void)Finish();
}

}  // namespace datamesh::gateway::http::internal
