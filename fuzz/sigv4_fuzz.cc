// Fuzz target: what the S3 endpoint parses before any signature is checked
// (services/gateway/s3/auth/): the Authorization header, a presigned URL's query, the
// canonical URI, and aws-chunked bodies.
//
// Input (bytes): used whole as each of them. The decoder uses a fixed key and seed, so almost
// every chunk fails its signature; the framing code runs all the same.
//
// Invariants: an accepted header has a 64-lowercase-hex signature, an 8-digit scope date,
// non-empty region, service and signed header names; an accepted presigned query has
// X-Amz-Expires in 1..604800; CanonicalUri is idempotent; the decoder gives the same verdict and
// bytes whether the body arrives at once or byte by byte, and never releases more bytes than it
// was given.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.h"
#include "services/gateway/s3/auth/chunked_payload.h"
#include "services/gateway/s3/auth/sigv4.h"

namespace {

namespace s3 = datamesh::gateway::s3;

bool IsLowerHex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

struct Decoded {
  bool ok = false;
  std::string bytes;
};

Decoded Decode(std::string_view body, size_t step) {
  s3::ChunkedPayloadDecoder decoder(std::string(32, 'k'), "20261206T120000Z",
                                    "20261206/us-east-1/s3/aws4_request", std::string(64, '0'),
                                    std::nullopt);
  Decoded out;
  for (size_t i = 0; i < body.size(); i += step) {
    auto piece = decoder.Feed(body.substr(i, step));
    if (std::holds_alternative<s3::S3Error>(piece)) return out;
    out.bytes += std::get<std::string>(piece);
  }
  out.ok = !decoder.Finish().has_value();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = datamesh::fuzz::AsText(data, size);

  auto header = s3::ParseAuthorizationHeader(text);
  if (auto* claim = std::get_if<s3::SignatureClaim>(&header)) {
    FUZZ_CHECK(claim->signature.size() == 64 && IsLowerHex(claim->signature));
    FUZZ_CHECK(claim->scope.date.size() == 8);
    FUZZ_CHECK(!claim->scope.region.empty() && !claim->scope.service.empty());
    FUZZ_CHECK(!claim->access_key_id.empty() && !claim->signed_headers.empty());
    for (const std::string& name : claim->signed_headers) FUZZ_CHECK(!name.empty());
  } else {
    FUZZ_CHECK(std::get<s3::S3Error>(header).http_status == 400);
  }

  auto query = s3::ParsePresignedQuery(text);
  if (auto* claim = std::get_if<s3::SignatureClaim>(&query)) {
    FUZZ_CHECK(claim->presigned);
    FUZZ_CHECK(claim->expires_seconds >= 1 &&
               claim->expires_seconds <= s3::kMaxPresignedExpirySeconds);
  }

  const std::string uri = s3::CanonicalUri(text);
  FUZZ_CHECK(s3::CanonicalUri(uri) == uri);

  const Decoded whole = Decode(text, text.size() + 1);
  const Decoded bytewise = Decode(text, 1);
  FUZZ_CHECK(whole.ok == bytewise.ok && (!whole.ok || whole.bytes == bytewise.bytes));
  FUZZ_CHECK(whole.bytes.size() <= text.size());
  return 0;
}
