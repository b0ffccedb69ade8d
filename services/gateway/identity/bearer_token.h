// Bearer secrets of requests: where a request's secret is, and the key it is known by in
// caches and revocation events. Used by the authenticator (REST and public gRPC) and the live
// feed.
#pragma once

#include <cstddef>
#include <optional>
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

// The same for the value of an `Authorization` header or `authorization` gRPC metadata entry
// (nullopt when absent): the one parser behind REST and public gRPC.
absl::StatusOr<std::string> BearerToken(std::optional<std::string_view> authorization);

// SHA-256 of `secret` as 64 lowercase hex characters: the cache key and the revocation key.
std::string TokenHash(std::string_view secret);

}  // namespace datamesh::gateway
