// AWS Signature Version 4 as S3 uses it: the pieces the gateway computes from a request
// (canonical request, string to sign) and the parsers of the two places a signature travels
// (the Authorization header and a presigned URL's X-Amz-* query parameters).
//
//   canonical request = method \n canonical URI \n canonical query \n canonical headers \n
//                       signed headers \n payload hash
//   string to sign    = "AWS4-HMAC-SHA256" \n timestamp \n scope \n hex(sha256(canonical request))
//   signing key       = HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request"
//   signature         = hex(HMAC(signing key, string to sign))
//
// S3's canonical URI is the path URI-encoded once (not normalised, not double-encoded as other
// services do); we decode what arrived and re-encode it, so clients that escape more or less
// than RFC 3986 asks still match what they signed.
//
// Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "services/gateway/s3/auth/s3_error.h"

namespace datamesh::gateway::s3 {

inline constexpr char kSigV4Algorithm[] = "AWS4-HMAC-SHA256";
inline constexpr char kScopeTerminator[] = "aws4_request";
// Longest validity of a presigned URL (X-Amz-Expires), as S3: 7 days.
inline constexpr int64_t kMaxPresignedExpirySeconds = 7 * 24 * 3600;

using Headers = std::vector<std::pair<std::string, std::string>>;

// The credential scope "<date>/<region>/<service>/aws4_request".
struct CredentialScope {
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;
  std::string ToString() const;
};

// A signature as the request carries it, before it is checked.
struct SignatureClaim {
  std::string access_key_id;
  CredentialScope scope;
  std::vector<std::string> signed_headers;  // lowercase, as listed
  std::string signature;                    // 64 lowercase hex
  bool presigned = false;
  std::string timestamp;        // x-amz-date / X-Amz-Date, ISO 8601 basic "YYYYMMDDTHHMMSSZ"
  int64_t expires_seconds = 0;  // presigned only
};

template <typename T>
using S3Result = std::variant<T, S3Error>;

// Percent-encodes `text` as SigV4 asks: unreserved characters (A-Z a-z 0-9 - . _ ~) stay, every
// other byte becomes %XX (uppercase); '/' stays when `keep_slash`.
std::string UriEncode(std::string_view text, bool keep_slash);
// Decodes %XX escapes (invalid escapes stay as they are); '+' is kept, as S3 does in paths.
std::string UriDecode(std::string_view text);

// The canonical URI of a raw (as received) path.
std::string CanonicalUri(std::string_view raw_path);
// The canonical query string of a raw query, leaving out `exclude` (X-Amz-Signature when
// presigned): pairs decoded, re-encoded, sorted by name then value, "name=value" joined by '&'.
std::string CanonicalQuery(std::string_view raw_query, std::string_view exclude = {});
// Canonical headers block ("name:value\n" each) for `signed_headers` (lowercase, sorted as
// listed); values trimmed, inner runs of spaces collapsed, repeated headers joined by ','.
// AuthorizationHeaderMalformed-style error (code from the caller) when a signed header is absent.
std::optional<std::string> CanonicalHeaders(const Headers& headers,
                                            const std::vector<std::string>& signed_headers);

std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers, std::string_view payload_hash);
std::string StringToSign(std::string_view timestamp, const CredentialScope& scope,
                         std::string_view canonical_request);

// The scoped signing key (32 raw bytes) of `secret` for `scope`.
std::string DeriveSigningKey(std::string_view secret, const CredentialScope& scope);
// hex(HMAC-SHA256(signing_key, string_to_sign)).
std::string SignHex(std::string_view signing_key, std::string_view string_to_sign);

// Parses "AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request,
// SignedHeaders=a;b, Signature=hex". AuthorizationHeaderMalformed (400) when malformed.
S3Result<SignatureClaim> ParseAuthorizationHeader(std::string_view value);
// Parses the X-Amz-* parameters of a presigned URL (decoded). AuthorizationQueryParametersError
// (400) when one is missing or malformed.
S3Result<SignatureClaim> ParsePresignedQuery(std::string_view raw_query);

// "YYYYMMDDTHHMMSSZ" -> time; nullopt when malformed.
std::optional<absl::Time> ParseAmzTimestamp(std::string_view text);
// An HTTP Date header (RFC 1123, "Sun, 06 Nov 1994 08:49:37 GMT") -> time; nullopt if malformed.
std::optional<absl::Time> ParseHttpDate(std::string_view text);
std::string FormatAmzTimestamp(absl::Time time);

// The query's pairs, decoded, in order ("a&b=c" -> {a,""},{b,c}).
std::vector<std::pair<std::string, std::string>> SplitQuery(std::string_view raw_query);

}  // namespace datamesh::gateway::s3
