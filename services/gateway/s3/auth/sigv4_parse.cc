// Parsers of the places a SigV4 signature travels, and of the request's timestamp.
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "services/gateway/s3/auth/absl_view.h"
#include "services/gateway/s3/auth/sigv4.h"

namespace datamesh::gateway::s3 {
namespace {

S3Error HeaderMalformed(std::string message) {
  return S3Error{"AuthorizationHeaderMalformed", std::move(message), 400};
}
S3Error QueryMalformed(std::string message) {
  return S3Error{"AuthorizationQueryParametersError", std::move(message), 400};
}

bool IsLowerHex(std::string_view text, size_t size) {
  if (text.size() != size) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

bool IsDigits(std::string_view text, size_t size) {
  if (text.size() != size) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

// "AKID/date/region/service/aws4_request" into `claim`; an error message when malformed.
std::optional<std::string> ParseCredential(std::string_view credential, SignatureClaim& claim) {
  std::vector<std::string> parts = absl::StrSplit(Av(credential), '/');
  if (parts.size() != 5) {
    return absl::StrCat("the credential '", Av(credential),
                        "' is malformed; expecting \"<YOUR-AKID>/",
                        "YYYYMMDD/REGION/SERVICE/aws4_request\"");
  }
  if (parts[0].empty()) return "the credential has no access key id";
  if (!IsDigits(parts[1], 8)) return absl::StrCat("invalid credential date \"", parts[1], "\"");
  if (parts[2].empty() || parts[3].empty()) return "the credential has no region or service";
  if (parts[4] != kScopeTerminator) {
    return absl::StrCat("incorrect terminal \"", parts[4], "\"; expecting \"aws4_request\"");
  }
  claim.access_key_id = parts[0];
  claim.scope = CredentialScope{parts[1], parts[2], parts[3]};
  return std::nullopt;
}

std::optional<std::string> ParseSignedHeaders(std::string_view list, SignatureClaim& claim) {
  if (list.empty()) return "SignedHeaders is empty";
  for (absl::string_view name : absl::StrSplit(Av(list), ';')) {
    if (name.empty()) return "SignedHeaders has an empty name";
    claim.signed_headers.push_back(absl::AsciiStrToLower(name));
  }
  return std::nullopt;
}

}  // namespace

S3Result<SignatureClaim> ParseAuthorizationHeader(std::string_view value) {
  absl::string_view rest = absl::StripAsciiWhitespace(Av(value));
  if (!absl::ConsumePrefix(&rest, kSigV4Algorithm) || rest.empty() || rest[0] != ' ') {
    return HeaderMalformed("unsupported authorization type; expecting AWS4-HMAC-SHA256");
  }
  SignatureClaim claim;
  bool have_credential = false, have_headers = false, have_signature = false;
  for (absl::string_view field : absl::StrSplit(rest, ',')) {
    field = absl::StripAsciiWhitespace(field);
    size_t eq = field.find('=');
    if (eq == absl::string_view::npos) {
      return HeaderMalformed(absl::StrCat("the authorization field '", field, "' is malformed"));
    }
    std::string_view name = Sv(field.substr(0, eq)), body = Sv(field.substr(eq + 1));
    std::optional<std::string> error;
    if (name == "Credential" && !have_credential) {
      error = ParseCredential(body, claim);
      have_credential = true;
    } else if (name == "SignedHeaders" && !have_headers) {
      error = ParseSignedHeaders(body, claim);
      have_headers = true;
    } else if (name == "Signature" && !have_signature) {
      if (!IsLowerHex(body, 64)) error = "the signature is not 64 lowercase hex characters";
      claim.signature = std::string(body);
      have_signature = true;
    } else {
      error = absl::StrCat("unexpected or repeated authorization field '", Av(name), "'");
    }
    if (error) return HeaderMalformed(*std::move(error));
  }
  if (!have_credential || !have_headers || !have_signature) {
    return HeaderMalformed("the authorization header needs Credential, SignedHeaders, Signature");
  }
  return claim;
}

S3Result<SignatureClaim> ParsePresignedQuery(std::string_view raw_query) {
  std::optional<std::string> algorithm, credential, date, expires, headers, signature;
  for (auto& [name, value] : SplitQuery(raw_query)) {
    if (name == "X-Amz-Algorithm") algorithm = value;
    if (name == "X-Amz-Credential") credential = value;
    if (name == "X-Amz-Date") date = value;
    if (name == "X-Amz-Expires") expires = value;
    if (name == "X-Amz-SignedHeaders") headers = value;
    if (name == "X-Amz-Signature") signature = value;
  }
  if (!algorithm || !credential || !date || !expires || !headers || !signature) {
    return QueryMalformed(
        "presigned URLs need X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, "
        "X-Amz-SignedHeaders and X-Amz-Signature");
  }
  if (*algorithm != kSigV4Algorithm) {
    return QueryMalformed("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  SignatureClaim claim;
  claim.presigned = true;
  claim.timestamp = *date;
  if (auto error = ParseCredential(*credential, claim)) return QueryMalformed(*std::move(error));
  if (auto error = ParseSignedHeaders(*headers, claim)) return QueryMalformed(*std::move(error));
  if (!IsLowerHex(*signature, 64)) {
    return QueryMalformed("X-Amz-Signature is not 64 lowercase hex characters");
  }
  claim.signature = *signature;
  if (!absl::SimpleAtoi(*expires, &claim.expires_seconds) || claim.expires_seconds < 1) {
    return QueryMalformed("X-Amz-Expires must be a positive number of seconds");
  }
  if (claim.expires_seconds > kMaxPresignedExpirySeconds) {
    return QueryMalformed(
        "X-Amz-Expires must be less than a week (in seconds); that is, the "
        "given X-Amz-Expires must be less than 604800 seconds");
  }
  return claim;
}

std::optional<absl::Time> ParseAmzTimestamp(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z' || !IsDigits(text.substr(0, 8), 8) ||
      !IsDigits(text.substr(9, 6), 6)) {
    return std::nullopt;
  }
  auto number = [&](size_t pos, size_t len) {
    int value = 0;
    for (size_t i = pos; i < pos + len; ++i) value = value * 10 + (text[i] - '0');
    return value;
  };
  const int year = number(0, 4), month = number(4, 2), day = number(6, 2);
  const int hour = number(9, 2), minute = number(11, 2), second = number(13, 2);
  absl::CivilSecond civil(year, month, day, hour, minute, second);
  // CivilSecond normalises out-of-range fields (month 13 -> next year): refuse those.
  if (civil.year() != year || civil.month() != month || civil.day() != day ||
      civil.hour() != hour || civil.minute() != minute || civil.second() != second) {
    return std::nullopt;
  }
  return absl::FromCivil(civil, absl::UTCTimeZone());
}

std::optional<absl::Time> ParseHttpDate(std::string_view text) {
  absl::Time time;
  std::string error;
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", std::string(text), absl::UTCTimeZone(), &time,
                      &error)) {
    return time;
  }
  return std::nullopt;
}

std::string FormatAmzTimestamp(absl::Time time) {
  return absl::FormatTime("%Y%m%dT%H%M%SZ", time, absl::UTCTimeZone());
}

}  // namespace datamesh::gateway::s3
