// S3Authenticator: verifies an S3 request's AWS Signature Version 4 (the `Authorization:
// AWS4-HMAC-SHA256 ...` header, or a presigned URL's X-Amz-* query) and resolves the caller.
// The gateway never holds S3 secrets: it builds the string to sign and asks auth
// (AuthService.VerifyS3Signature) to check it; auth answers with the caller and the scoped
// signing key, which verifies aws-chunked chunk signatures and is cached briefly.
//
// Implementations are thread-safe.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "services/gateway/identity/caller.h"
#include "services/gateway/s3/auth/chunked_payload.h"
#include "services/gateway/s3/auth/s3_error.h"

namespace datamesh::gateway::s3 {

// What SigV4 needs of a request, as received (the S3 edge fills it from the HTTP request).
struct SignedRequest {
  std::string method;     // "GET"
  std::string raw_path;   // as on the wire, percent-encoded, without the query
  std::string raw_query;  // as on the wire, without "?"
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased, in order
};

// The x-amz-content-sha256 values that are not a hex digest.
inline constexpr char kUnsignedPayload[] = "UNSIGNED-PAYLOAD";
inline constexpr char kStreamingPayload[] = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";

// A verified request.
struct S3Principal {
  Caller caller;  // as ValidateToken gives (user, key pair, role, tier)
  std::string access_key_id;
  // x-amz-content-sha256 as signed: 64 lowercase hex (the edge checks the body against it),
  // kUnsignedPayload (presigned URLs, or a client that chose not to sign the body), or
  // kStreamingPayload (then `chunked` is set).
  std::string payload_hash;
  // Set for kStreamingPayload: decodes and verifies the aws-chunked body, chunk by chunk.
  std::unique_ptr<ChunkedPayloadDecoder> chunked;
};

class S3Authenticator {
 public:
  virtual ~S3Authenticator() = default;

  // Header (Authorization: AWS4-HMAC-SHA256 ...) or query (X-Amz-Algorithm=...) signature.
  // Anonymous requests (neither) answer AccessDenied: no bucket is public.
  // Errors: AccessDenied, SignatureDoesNotMatch, InvalidAccessKeyId, RequestTimeTooSkewed,
  // AuthorizationHeaderMalformed, AuthorizationQueryParametersError, MissingSecurityHeader,
  // AccessDenied "Request has expired" (presigned), ServiceUnavailable (auth unreachable).
  virtual std::variant<S3Principal, S3Error> Authenticate(const SignedRequest& request) = 0;
};

}  // namespace datamesh::gateway::s3
