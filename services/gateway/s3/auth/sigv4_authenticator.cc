// SigV4 verification. Order of checks follows S3's: the request's shape first (a malformed
// header or a wrong region is the client's bug and needs no key lookup), then time, then the
// signature, so a wrong clock is reported as such and not as a bad signature.
#include "services/gateway/s3/auth/sigv4_authenticator.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/gateway/s3/auth/absl_view.h"
#include "shared/bus/event.h"
#include "shared/crypto/compare.h"

namespace datamesh::gateway::s3 {
namespace {

const std::string* FindHeader(const SignedRequest& request, std::string_view name) {
  for (const auto& [header, value] : request.headers) {
    if (header == name) return &value;
  }
  return nullptr;
}

bool IsHexDigest(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

S3Error Malformed(bool presigned, std::string message) {
  return S3Error{presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed",
                 std::move(message), 400};
}

S3Error SignatureMismatch() {
  return S3Error{"SignatureDoesNotMatch",
                 "The request signature we calculated does not match the signature you provided. "
                 "Check your key and signing method.",
                 403};
}

std::string RequestIdOf(const SignedRequest& request) {
  const std::string* id = FindHeader(request, "x-request-id");
  return id ? *id : std::string();
}

// The string to sign of `request` under `claim`, or the error that prevents building it.
std::variant<std::string, S3Error> BuildStringToSign(const SignedRequest& request,
                                                     const SignatureClaim& claim,
                                                     std::string_view timestamp,
                                                     std::string_view payload_hash) {
  std::optional<std::string> headers = CanonicalHeaders(request.headers, claim.signed_headers);
  if (!headers) {
    return S3Error{"AccessDenied", "There were headers listed as signed which are not present.",
                   403};
  }
  const std::string canonical =
      CanonicalRequest(request.method, CanonicalUri(request.raw_path),
                       CanonicalQuery(request.raw_query, claim.presigned ? "X-Amz-Signature" : ""),
                       *headers, absl::StrJoin(claim.signed_headers, ";"), payload_hash);
  return StringToSign(timestamp, claim.scope, canonical);
}

}  // namespace

SigV4Authenticator::SigV4Authenticator(Options options, S3KeyVerifier& verifier, Clock clock)
    : options_(std::move(options)),
      verifier_(verifier),
      clock_(clock),
      cache_(options_.cache, clock) {}

std::variant<S3Principal, S3Error> SigV4Authenticator::Authenticate(const SignedRequest& request) {
  if (const std::string* authorization = FindHeader(request, "authorization")) {
    if (absl::StartsWith(*authorization, "AWS ")) {
      return S3Error{"InvalidRequest",
                     "The authorization mechanism you have provided is not supported. Please use "
                     "AWS4-HMAC-SHA256.",
                     400};
    }
    return AuthenticateHeader(request, *authorization);
  }
  for (const auto& [name, value] : SplitQuery(request.raw_query)) {
    if (name == "X-Amz-Algorithm" || name == "X-Amz-Credential") {
      return AuthenticatePresigned(request);
    }
    if (name == "AWSAccessKeyId") {
      return S3Error{"InvalidRequest",
                     "Query-string authentication version 2 is not supported. Please use "
                     "AWS4-HMAC-SHA256.",
                     400};
    }
  }
  return S3Error{"AccessDenied", "Anonymous access is not allowed.", 403};
}

std::optional<S3Error> SigV4Authenticator::CheckScope(const SignatureClaim& claim,
                                                      std::string_view timestamp,
                                                      bool presigned) const {
  if (!absl::StartsWith(Av(timestamp), claim.scope.date)) {
    return Malformed(presigned, absl::StrCat("Invalid credential date \"", claim.scope.date,
                                             "\". This date is not the same as the request date."));
  }
  if (claim.scope.service != "s3") {
    return Malformed(presigned, absl::StrCat("The service '", claim.scope.service,
                                             "' is wrong; expecting 's3'"));
  }
  if (claim.scope.region != options_.region) {
    return Malformed(presigned, absl::StrCat("The authorization header is malformed; the region '",
                                             claim.scope.region, "' is wrong; expecting '",
                                             options_.region, "'"));
  }
  if (std::find(claim.signed_headers.begin(), claim.signed_headers.end(), "host") ==
      claim.signed_headers.end()) {
    return Malformed(presigned, "The host header must be signed.");
  }
  return std::nullopt;
}

std::variant<S3Principal, S3Error> SigV4Authenticator::AuthenticateHeader(
    const SignedRequest& request, std::string_view authorization) {
  S3Result<SignatureClaim> parsed = ParseAuthorizationHeader(authorization);
  if (auto* error = std::get_if<S3Error>(&parsed)) return *error;
  SignatureClaim& claim = std::get<SignatureClaim>(parsed);

  std::optional<absl::Time> time;
  if (const std::string* amz_date = FindHeader(request, "x-amz-date")) {
    time = ParseAmzTimestamp(*amz_date);
  } else if (const std::string* date = FindHeader(request, "date")) {
    time = ParseHttpDate(*date);
  }
  if (!time) {
    return S3Error{"AccessDenied", "AWS authentication requires a valid Date or x-amz-date header",
                   403};
  }
  claim.timestamp = FormatAmzTimestamp(*time);
  if (auto error = CheckScope(claim, claim.timestamp, false)) return *error;
  if (absl::AbsDuration(clock_() - *time) > options_.max_skew) {
    return S3Error{"RequestTimeTooSkewed",
                   "The difference between the request time and the current time is too large.",
                   403};
  }
  const std::string* payload_hash = FindHeader(request, "x-amz-content-sha256");
  if (!payload_hash) {
    return S3Error{"InvalidRequest",
                   "Missing required header for this request: x-amz-content-sha256", 400};
  }
  if (*payload_hash != kUnsignedPayload && *payload_hash != kStreamingPayload &&
      !IsHexDigest(*payload_hash)) {
    return S3Error{"InvalidArgument",
                   "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                   "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.",
                   400};
  }
  std::optional<uint64_t> decoded_length;
  if (*payload_hash == kStreamingPayload) {
    const std::string* length = FindHeader(request, "x-amz-decoded-content-length");
    uint64_t value = 0;
    if (!length || !absl::SimpleAtoi(*length, &value)) {
      return S3Error{"MissingContentLength",
                     "You must provide the x-amz-decoded-content-length HTTP header.", 411};
    }
    decoded_length = value;
  }
  auto to_sign = BuildStringToSign(request, claim, claim.timestamp, *payload_hash);
  if (auto* error = std::get_if<S3Error>(&to_sign)) return *error;
  auto verified = Verify(claim, std::get<std::string>(to_sign), RequestIdOf(request));
  if (auto* error = std::get_if<S3Error>(&verified)) return *error;
  VerifiedKey& key = std::get<VerifiedKey>(verified);

  S3Principal principal;
  principal.caller = std::move(key.caller);
  principal.access_key_id = claim.access_key_id;
  principal.payload_hash = absl::AsciiStrToLower(*payload_hash);
  if (*payload_hash == kStreamingPayload) {
    principal.payload_hash = kStreamingPayload;
    principal.chunked = std::make_unique<ChunkedPayloadDecoder>(
        std::move(key.signing_key), claim.timestamp, claim.scope.ToString(), claim.signature,
        decoded_length);
  } else if (*payload_hash == kUnsignedPayload) {
    principal.payload_hash = kUnsignedPayload;
  }
  return principal;
}

std::variant<S3Principal, S3Error> SigV4Authenticator::AuthenticatePresigned(
    const SignedRequest& request) {
  S3Result<SignatureClaim> parsed = ParsePresignedQuery(request.raw_query);
  if (auto* error = std::get_if<S3Error>(&parsed)) return *error;
  SignatureClaim& claim = std::get<SignatureClaim>(parsed);
  std::optional<absl::Time> time = ParseAmzTimestamp(claim.timestamp);
  if (!time) {
    return Malformed(true,
                     "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  if (auto error = CheckScope(claim, claim.timestamp, true)) return *error;
  const absl::Time now = clock_();
  if (now < *time - options_.max_skew) {
    return S3Error{"AccessDenied", "Request is not valid yet", 403};
  }
  if (now > *time + absl::Seconds(claim.expires_seconds)) {
    return S3Error{"AccessDenied", "Request has expired", 403};
  }
  // A presigned URL signs no body unless it carries the hash in its query.
  std::string payload_hash = kUnsignedPayload;
  for (const auto& [name, value] : SplitQuery(request.raw_query)) {
    if (name == "X-Amz-Content-Sha256") payload_hash = value;
  }
  if (payload_hash != kUnsignedPayload && !IsHexDigest(payload_hash)) {
    return Malformed(true, "X-Amz-Content-Sha256 must be UNSIGNED-PAYLOAD or a sha256 value");
  }
  auto to_sign = BuildStringToSign(request, claim, claim.timestamp, payload_hash);
  if (auto* error = std::get_if<S3Error>(&to_sign)) return *error;
  auto verified = Verify(claim, std::get<std::string>(to_sign), RequestIdOf(request));
  if (auto* error = std::get_if<S3Error>(&verified)) return *error;
  S3Principal principal;
  principal.caller = std::move(std::get<VerifiedKey>(verified).caller);
  principal.access_key_id = claim.access_key_id;
  principal.payload_hash = absl::AsciiStrToLower(payload_hash);
  if (payload_hash == kUnsignedPayload) principal.payload_hash = kUnsignedPayload;
  return principal;
}

std::variant<VerifiedKey, S3Error> SigV4Authenticator::Verify(const SignatureClaim& claim,
                                                              const std::string& string_to_sign,
                                                              std::string_view request_id) {
  if (std::optional<VerifiedKey> cached = cache_.Get(claim.access_key_id, claim.scope)) {
    if (!crypto::ConstantTimeEquals(SignHex(cached->signing_key, string_to_sign),
                                    claim.signature)) {
      return SignatureMismatch();
    }
    return *std::move(cached);
  }
  auto verified = verifier_.Verify(claim, string_to_sign, request_id);
  if (auto* key = std::get_if<VerifiedKey>(&verified)) {
    cache_.Put(claim.access_key_id, claim.scope, *key);
  }
  return verified;
}

absl::Status SigV4Authenticator::SubscribeRevocations(bus::Bus& bus) {
  auto sub = bus.SubscribeEvents(bus::SubjectFor("auth.credential.revoked"), "",
                                 [this](const events::v1::Event& event) {
                                   if (!event.has_credential_revoked()) return;
                                   const auto& revoked = event.credential_revoked();
                                   if (!revoked.s3_access_key_id().empty()) {
                                     cache_.EraseAccessKey(revoked.s3_access_key_id());
                                   }
                                 });
  if (!sub.ok()) return sub.status();
  revocations_ = *std::move(sub);
  auto updates = bus.SubscribeEvents(bus::SubjectFor("auth.user.updated"), "",
                                     [this](const events::v1::Event& event) {
                                       if (!event.has_user_updated()) return;
                                       cache_.EraseUser(event.user_updated().user_id());
                                     });
  if (!updates.ok()) return updates.status();
  user_updates_ = *std::move(updates);
  return absl::OkStatus();
}

}  // namespace datamesh::gateway::s3
