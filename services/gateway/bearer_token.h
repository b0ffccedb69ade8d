// Bearer secrets of requests: where a request's secret is, and the key it is known by in
// caches and revocation events. Used by the REST authenticator and the live feed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/gateway/http/request.h"

namespace datamesh::gateway {

// Longest secret accepted; real ones are 43 characters (256 bits, base64url).
inline constexpr size_t kMaxSecretLength = 4096;

// The secret of an `Authorization: Bearer <secret>` header (scheme case-insensitive).
// UNAUTHENTICATED when the header is absent, of another scheme, or the secret is empty or over
// kMaxSecretLength characters.
absl::StatusOr<std::string> BearerToken(const http::Request& request);

// SHA-256 of `secret` as 64 lowercase hex characters: the cache key and the revocation key.
std::string TokenHash(std::string_view secret);

}  // namespace datamesh::gateway
