// The canonical forms SigV4 signs, and the HMAC chain.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/gateway/s3/auth/absl_view.h"
#include "services/gateway/s3/auth/sigv4.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hash.h"
#include "shared/crypto/hmac.h"

namespace datamesh::gateway::s3 {
namespace {

bool IsUnreserved(unsigned char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// HMAC-SHA256 as raw bytes. OpenSSL failing here means the process is broken, not the request.
std::string Hmac(std::string_view key, std::string_view data) {
  absl::StatusOr<crypto::Sha256Digest> mac = crypto::HmacSha256(key, data);
  if (!mac.ok()) return std::string();
  return std::string(crypto::AsStringView(*mac));
}

// Trims and collapses inner runs of spaces, as SigV4 canonical header values want.
std::string CanonicalHeaderValue(std::string_view value) {
  value = Sv(absl::StripAsciiWhitespace(Av(value)));
  std::string out;
  out.reserve(value.size());
  bool in_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      in_space = true;
      continue;
    }
    if (in_space && !out.empty()) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string CredentialScope::ToString() const {
  return absl::StrCat(date, "/", region, "/", service, "/", kScopeTerminator);
}

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string UriDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::string CanonicalUri(std::string_view raw_path) {
  if (raw_path.empty()) return "/";
  return UriEncode(UriDecode(raw_path), /*keep_slash=*/true);
}

std::vector<std::pair<std::string, std::string>> SplitQuery(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start <= raw_query.size()) {
    size_t end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    std::string_view part = raw_query.substr(start, end - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      if (eq == std::string_view::npos) {
        pairs.emplace_back(UriDecode(part), "");
      } else {
        pairs.emplace_back(UriDecode(part.substr(0, eq)), UriDecode(part.substr(eq + 1)));
      }
    }
    start = end + 1;
  }
  return pairs;
}

std::string CanonicalQuery(std::string_view raw_query, std::string_view exclude) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (auto& [name, value] : SplitQuery(raw_query)) {
    if (!exclude.empty() && name == exclude) continue;
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  return absl::StrJoin(encoded, "&", [](std::string* out, const auto& pair) {
    absl::StrAppend(out, pair.first, "=", pair.second);
  });
}

std::optional<std::string> CanonicalHeaders(const Headers& headers,
                                            const std::vector<std::string>& signed_headers) {
  std::string out;
  for (const std::string& name : signed_headers) {
    std::vector<std::string> values;
    for (const auto& [header, value] : headers) {
      if (header == name) values.push_back(CanonicalHeaderValue(value));
    }
    if (values.empty()) return std::nullopt;
    absl::StrAppend(&out, name, ":", absl::StrJoin(values, ","), "\n");
  }
  return out;
}

std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers, std::string_view payload_hash) {
  return absl::StrCat(Av(method), "\n", Av(canonical_uri), "\n", Av(canonical_query), "\n",
                      Av(canonical_headers), "\n", Av(signed_headers), "\n", Av(payload_hash));
}

std::string StringToSign(std::string_view timestamp, const CredentialScope& scope,
                         std::string_view canonical_request) {
  absl::StatusOr<std::string> hash = crypto::Sha256Hex(canonical_request);
  return absl::StrCat(kSigV4Algorithm, "\n", Av(timestamp), "\n", scope.ToString(), "\n",
                      hash.ok() ? *hash : std::string());
}

std::string DeriveSigningKey(std::string_view secret, const CredentialScope& scope) {
  std::string key = Hmac(absl::StrCat("AWS4", Av(secret)), scope.date);
  key = Hmac(key, scope.region);
  key = Hmac(key, scope.service);
  return Hmac(key, kScopeTerminator);
}

std::string SignHex(std::string_view signing_key, std::string_view string_to_sign) {
  return crypto::HexEncode(Hmac(signing_key, string_to_sign));
}

}  // namespace datamesh::gateway::s3
