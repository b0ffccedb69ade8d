// An S3 request body as the handlers read it: aws-chunked bodies decoded (and each chunk's
// signature verified) by the principal's decoder, and at the end the checks S3 makes of a body
// before anything is kept: the SHA-256 the request signed (x-amz-content-sha256 as 64 hex:
// XAmzContentSHA256Mismatch) and Content-MD5 (BadDigest; InvalidDigest when malformed).
//
// A handler that streams the body into an upload gets the final verdict from the last Read,
// before it ends the upload stream: a body that fails a check is cancelled, never committed.
//
// Not thread-safe: one S3Body per request, used by the handler's thread.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "services/gateway/s3/s3_context.h"

namespace datamesh::gateway::s3 {

class S3Body {
 public:
  // The body of `c.request`, with the checks its headers ask for. InvalidDigest for a
  // Content-MD5 that is not base64 of 16 bytes.
  static std::variant<std::unique_ptr<S3Body>, S3Error> Open(const S3Call& c);
  ~S3Body();

  // Reads up to `size` payload bytes into `buffer`: the number read, 0 once the body ended and
  // every check passed, or the S3 error that ends the request.
  std::variant<size_t, S3Error> Read(char* buffer, size_t size);

  // The body's MD5 (hex), valid once Read returned 0 (computed only with Content-MD5).
  const std::string& md5_hex() const { return md5_hex_; }

 private:
  struct Hashers;
  S3Body(http::BodyReader& body, ChunkedPayloadDecoder* chunked);

  std::optional<S3Error> Refill();
  std::optional<S3Error> Verify();

  http::BodyReader& body_;
  ChunkedPayloadDecoder* chunked_;  // null unless aws-chunked
  std::unique_ptr<Hashers> hashers_;
  std::string expected_sha256_hex_;  // empty: not checked
  std::string expected_md5_;         // raw 16 bytes; empty: not checked
  std::string md5_hex_;
  std::unique_ptr<char[]> raw_;  // one read of the body as sent
  std::string pending_;          // decoded bytes not yet returned
  size_t pending_at_ = 0;
  bool ended_ = false;
};

// An S3 error for a failed body read (http::BodyReader's statuses).
S3Error BodyReadError(const absl::Status& status);

}  // namespace datamesh::gateway::s3
