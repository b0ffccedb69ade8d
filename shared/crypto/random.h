// Cryptographically secure random values: bytes, session/API tokens and UUIDs.
//
// Everything comes from OpenSSL's DRBG (RAND_bytes), which is seeded from the OS and reseeds
// itself, including after fork(). All functions are thread-safe. They fail (kInternal) only if
// the generator cannot be seeded, which callers should treat as fatal for the request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace datamesh::crypto {

// Fills out[0, n) with random bytes. `out` may be null only when n == 0.
[[nodiscard]] absl::Status RandomBytes(uint8_t* out, size_t n);

// `n` random bytes as a string (salts, nonces, ids). For keys prefer SecretBytes::Random.
[[nodiscard]] absl::StatusOr<std::string> RandomBytes(size_t n);

// 256 random bits as unpadded URL-safe Base64 (43 characters): session tokens, API keys.
[[nodiscard]] absl::StatusOr<std::string> RandomToken();

// A random (version 4, RFC 9562) UUID in canonical lower-case form,
// "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx". Used as event ids.
[[nodiscard]] absl::StatusOr<std::string> NewUuid();

}  // namespace datamesh::crypto
