// MultipartFileReader: the `file` part of a `multipart/form-data` request body (browser
// uploads), streamed: it pulls the raw body from an http::BodyReader in bounded pieces and hands
// out only the file part's bytes through the BodyReader interface, so POST /files can pump it
// into FileService.Upload exactly like a raw body. The body is never buffered whole: memory is
// one read piece plus the boundary, whatever the file's size; a boundary may straddle reads.
//
// Rules (docs/API.md): exactly one part named "file"; its `filename` (or `filename*`) gives the
// file's name and its Content-Type the file's type. Other form fields are read and ignored
// (each field's headers are capped at 8 KiB). Read() returns 0 only after the whole body was
// seen to be well formed — the closing boundary reached and the body ended — so a truncated
// body, a second "file" part or garbage fails before the upload can commit.
//
// Errors are INVALID_ARGUMENT (400) with a clear message; errors of the underlying reader
// (timeouts, 413) pass through unchanged.
//
// Thread safety: not thread-safe; used by the one thread running the handler. `body` must
// outlive the reader.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/gateway/http/request.h"

namespace datamesh::gateway {

// True when `content_type` names multipart/form-data.
bool IsMultipartFormData(std::string_view content_type);

// The boundary parameter of a multipart/form-data Content-Type (quoted or not, 1-70 chars).
// INVALID_ARGUMENT when it is absent or malformed.
absl::StatusOr<std::string> MultipartBoundary(std::string_view content_type);

class MultipartFileReader final : public http::BodyReader {
 public:
  // `read_size`: bytes pulled from `body` at a time (tests use tiny ones).
  MultipartFileReader(http::BodyReader& body, std::string boundary, size_t read_size = 64 * 1024);

  // Reads up to the start of the file part's content. INVALID_ARGUMENT when the body is not
  // well formed up to there or has no "file" part. Must succeed before Read.
  [[nodiscard]] absl::Status Start();

  // The file part's `filename` (may be empty) and Content-Type (empty when it gave none).
  const std::string& filename() const { return filename_; }
  const std::string& content_type() const { return content_type_; }

  absl::StatusOr<size_t> Read(char* buffer, size_t size) override;
  bool done() const override { return state_ == State::kDone; }

 private:
  enum class State {
    kPreamble,
    kAfterDelimiter,
    kHeaders,
    kFileBody,
    kSkipBody,
    kEpilogue,
    kDone,
    kFailed
  };

  // Pulls more raw bytes into pending_; false at the end of the body.
  absl::StatusOr<bool> Fill();
  // Advances through everything that is not file content (preamble, delimiters, headers,
  // ignored parts, epilogue) until file bytes are available or the body is done.
  absl::Status Advance();
  absl::Status AfterDelimiter(bool* progressed);
  absl::Status Headers(bool* progressed);
  // Drops (kPreamble, kSkipBody) or keeps the content before the next delimiter.
  void Skip(bool* progressed);
  absl::Status Fail(absl::Status status);
  std::string_view Pending() const { return std::string_view(pending_).substr(offset_); }
  void Consume(size_t n);
  // Bytes of Pending() before the next delimiter that are surely content; sets *at_delimiter
  // when the delimiter follows them.
  size_t ContentAvailable(bool* at_delimiter) const;

  http::BodyReader& body_;
  const std::string delimiter_;  // "\r\n--" + boundary
  const size_t read_size_;
  std::string pending_;
  size_t offset_ = 0;
  bool body_ended_ = false;
  State state_ = State::kPreamble;
  bool seen_file_ = false;
  bool in_file_headers_ = false;
  std::string filename_;
  std::string content_type_;
  absl::Status failure_;
};

}  // namespace datamesh::gateway
