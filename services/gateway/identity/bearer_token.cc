#include "services/gateway/identity/bearer_token.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "shared/crypto/hash.h"

namespace datamesh::gateway {

absl::StatusOr<std::string> BearerToken(const http::Request& request) {
  return BearerToken(request.header("Authorization"));
}

absl::StatusOr<std::string> BearerToken(std::optional<std::string_view> header) {
  if (!header) return absl::UnauthenticatedError("missing bearer token");
  std::string_view value = *header;
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(absl::string_view(value.data(), kScheme.size()),
                              absl::string_view(kScheme.data(), kScheme.size()))) {
    return absl::UnauthenticatedError("expected an Authorization: Bearer token");
  }
  absl::string_view secret = absl::StripAsciiWhitespace(
      absl::string_view(value.data() + kScheme.size(), value.size() - kScheme.size()));
  if (secret.empty() || secret.size() > kMaxSecretLength) {
    return absl::UnauthenticatedError("invalid bearer token");
  }
  // Session tokens and API keys are base64url (API keys with a "dmk_" prefix): anything else
  // cannot be one, and must not travel further (it would not even fit a protobuf string).
  for (char c : secret) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return absl::UnauthenticatedError("invalid bearer token: unexpected characters");
    }
  }
  return std::string(secret);
}

std::string TokenHash(std::string_view secret) {
  absl::StatusOr<std::string> hex = crypto::Sha256Hex(secret);
  // SHA-256 only fails when OpenSSL cannot allocate; an empty key then matches nothing cached.
  return hex.ok() ? *hex : std::string();
}

}  // namespace datamesh::gateway
