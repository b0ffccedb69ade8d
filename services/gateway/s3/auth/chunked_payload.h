// ChunkedPayloadDecoder: decodes an `aws-chunked` body (x-amz-content-sha256:
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD) and verifies each chunk's signature, each chained to the
// previous one and the first to the request's seed signature:
//
//   <hex size>;chunk-signature=<64 hex>\r\n<size bytes>\r\n ... 0;chunk-signature=<64 hex>\r\n\r\n
//
//   string to sign = "AWS4-HMAC-SHA256-PAYLOAD\n" date "\n" scope "\n" previous signature "\n"
//                    hex(sha256("")) "\n" hex(sha256(chunk bytes))
//
// Bytes of a chunk are released only once its signature verified, so nothing unverified reaches
// storage. Not thread-safe: one decoder per request body.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "services/gateway/s3/auth/s3_error.h"

namespace datamesh::gateway::s3 {

class ChunkedPayloadDecoder {
 public:
  // `signing_key` is the scoped SigV4 key (32 bytes); `amz_date` the request's x-amz-date,
  // `scope` "<date>/<region>/s3/aws4_request", `seed_signature` the request's signature (hex).
  // `decoded_length` is x-amz-decoded-content-length when sent; Finish checks it.
  ChunkedPayloadDecoder(std::string signing_key, std::string amz_date, std::string scope,
                        std::string seed_signature, std::optional<uint64_t> decoded_length);

  // Consumes the next bytes of the body (any split) and returns the payload bytes of every
  // chunk completed and verified by them (possibly empty). SignatureDoesNotMatch for a bad chunk
  // signature; IncompleteBody / InvalidRequest for bad framing or data after the final chunk.
  // After an error the decoder stays failed.
  std::variant<std::string, S3Error> Feed(std::string_view bytes);

  // The body ended: an error unless the final zero-length chunk was verified and the decoded
  // length matches x-amz-decoded-content-length.
  std::optional<S3Error> Finish();

  // Payload bytes released so far.
  uint64_t decoded_bytes() const { return decoded_bytes_; }

 private:
  enum class State { kHeader, kData, kDataCrlf, kFinalCrlf, kDone, kFailed };

  std::optional<S3Error> ParseHeaderLine(std::string_view line);
  std::optional<S3Error> VerifyChunk(std::string_view data);
  S3Error Fail(std::string code, std::string message, int status);

  const std::string signing_key_;
  const std::string amz_date_;
  const std::string scope_;
  const std::optional<uint64_t> decoded_length_;
  std::string previous_signature_;
  State state_ = State::kHeader;
  std::string pending_;  // bytes of the current header line or chunk
  uint64_t chunk_size_ = 0;
  std::string chunk_signature_;
  uint64_t decoded_bytes_ = 0;
};

}  // namespace datamesh::gateway::s3
