// HMAC-SHA256 (RFC 2104 / FIPS 198-1).
//
// Stateless and thread-safe. To check a received MAC, recompute it and compare with
// ConstantTimeEquals (compare.h), never with ==.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "shared/crypto/hash.h"

namespace datamesh::crypto {

// HMAC-SHA256 of `data` under `key` (any length; keys longer than 64 bytes are hashed first, as
// the standard says). kInternal only if OpenSSL fails.
[[nodiscard]] absl::StatusOr<Sha256Digest> HmacSha256(std::string_view key, std::string_view data);

}  // namespace datamesh::crypto
