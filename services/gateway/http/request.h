// What a gateway HTTP handler sees and uses: the parsed `Request`, a `BodyReader` that pulls the
// request body in caller-sized chunks, and a `ResponseWriter` that sends either a whole body or a
// stream (Content-Length or chunked).
//
// Streaming is pull-based on both sides: `BodyReader::Read` blocks until the client sends more
// bytes, and `ResponseWriter::Write` blocks until the socket has taken the bytes. A slow client
// therefore slows the handler down instead of making the server buffer: memory per request is the
// handler's own buffer plus one socket read buffer.
//
// Ownership and threading: the server owns all three objects for the duration of one handler
// call; a handler must not keep references to them after it returns. Each is used by the one
// thread that runs the handler and is not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace datamesh::gateway::http {

namespace internal {
struct RequestAccess;
}

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One parsed request. Path segments and query parameters are percent-decoded; the raw target
// is kept for logging.
class Request {
 public:
  std::string_view method() const { return method_; }
  // True for HEAD requests served by a GET route: the writer sends headers only.
  bool is_head() const { return method_ == "HEAD"; }
  std::string_view target() const { return target_; }
  // The raw (still percent-encoded) path, without the query.
  std::string_view path() const { return path_; }
  std::string_view request_id() const { return request_id_; }
  // "ip:port" of the peer.
  std::string_view remote_address() const { return remote_address_; }
  // The Content-Length the client declared, if any (absent for chunked bodies).
  std::optional<uint64_t> content_length() const { return content_length_; }

  // The decoded value of a `{name}` segment of the route pattern.
  std::optional<std::string_view> path_param(std::string_view name) const;
  // The first value of a query parameter (decoded, '+' as space).
  std::optional<std::string_view> query_param(std::string_view name) const;
  const HeaderList& query_params() const { return query_; }
  // The first value of a header; the name is compared case-insensitively.
  std::optional<std::string_view> header(std::string_view name) const;
  const HeaderList& headers() const { return headers_; }

 private:
  friend struct internal::RequestAccess;

  std::string method_;
  std::string target_;
  std::string path_;
  std::string request_id_;
  std::string remote_address_;
  std::optional<uint64_t> content_length_;
  HeaderList path_params_;
  HeaderList query_;
  HeaderList headers_;
};

// Pulls the request body.
class BodyReader {
 public:
  virtual ~BodyReader() = default;

  // Reads up to `size` bytes into `buffer`. Returns the number read (> 0), or 0 once the whole
  // body has been read. Errors: INVALID_ARGUMENT when the body ends before its Content-Length
  // or is malformed (the handler must then store nothing), DEADLINE_EXCEEDED when the client
  // stalls past the read timeout, RESOURCE_EXHAUSTED carrying HTTP 413 (see api_error.h) when
  // the body exceeds the route's limit. After an error every later call returns it again.
  [[nodiscard]] virtual absl::StatusOr<size_t> Read(char* buffer, size_t size) = 0;

  // True once Read has returned 0.
  virtual bool done() const = 0;
};

// Sends the response. Headers are sent once, by the first of WriteWhole, WriteError or
// BeginStream. X-Request-Id and Connection are added by the server.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;

  // Status and headers for the next send; ignored once headers are sent.
  virtual void SetStatus(int status) = 0;
  virtual void SetHeader(std::string_view name, std::string_view value) = 0;

  // Sends the whole response with Content-Length (headers only for HEAD).
  [[nodiscard]] virtual absl::Status WriteWhole(std::string body,
                                                std::string_view content_type) = 0;

  // Sends API.md's error shape for `status` (see api_error.h for the mapping); 5xx messages are
  // replaced by a generic one. A router with an ErrorRenderer (router.h) renders it instead.
  // FAILED_PRECONDITION if headers were already sent.
  [[nodiscard]] virtual absl::Status WriteError(const absl::Status& status) = 0;

  // Starts a streamed body: with a known length (Content-Length) or chunked when absent.
  [[nodiscard]] virtual absl::Status BeginStream(std::optional<uint64_t> content_length) = 0;
  // Sends the next piece; blocks until the socket took it. Writing past the declared length
  // is OUT_OF_RANGE. A no-op for HEAD.
  [[nodiscard]] virtual absl::Status Write(std::string_view data) = 0;
  // Ends the stream (the last chunk when chunked). A stream whose declared length was not
  // reached is FAILED_PRECONDITION and the connection is closed. Called by the server if the
  // handler returns without it.
  [[nodiscard]] virtual absl::Status Finish() = 0;

  virtual bool headers_sent() const = 0;
};

// A route's handler. It runs on a worker thread (see http_server.h) and may block.
using Handler = std::function<void(const Request&, BodyReader&, ResponseWriter&)>;

}  // namespace datamesh::gateway::http
