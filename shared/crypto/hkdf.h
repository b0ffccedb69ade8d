// HKDF-SHA256 (RFC 5869): turns a shared secret or other high-entropy input into keys.
//
// HkdfSha256 is the usual entry point (extract then expand). The two halves are exposed for
// protocols that extract once and expand many keys. All outputs are secrets and returned as
// SecretBytes. Stateless and thread-safe.
//
// `info` binds the output to its purpose ("datamesh ecies v1" plus both public keys, for
// example): two uses with different info get independent keys from the same input.
#pragma once

#include <cstddef>
#include <string_view>

#include "absl/status/statusor.h"
#include "shared/crypto/secret.h"

namespace datamesh::crypto {

// Longest output HKDF-SHA256 can produce (255 hash blocks).
inline constexpr size_t kHkdfSha256MaxLength = 255 * 32;
// Longest `info` accepted (an OpenSSL 3.0 limit).
inline constexpr size_t kHkdfMaxInfoLength = 1024;

// Extract then expand: `length` bytes (1..kHkdfSha256MaxLength) of key material from `ikm`.
// An empty `salt` means HashLen zero bytes, as RFC 5869 specifies.
// kInvalidArgument for a length or info size out of range; kInternal if OpenSSL fails.
[[nodiscard]] absl::StatusOr<SecretBytes> HkdfSha256(std::string_view ikm, std::string_view salt,
                                                     std::string_view info, size_t length);

// The extract step alone: the 32-byte pseudorandom key PRK = HMAC-SHA256(salt, ikm).
[[nodiscard]] absl::StatusOr<SecretBytes> HkdfSha256Extract(std::string_view ikm,
                                                            std::string_view salt);

// The expand step alone, from a PRK of at least 32 bytes. Same errors as HkdfSha256.
[[nodiscard]] absl::StatusOr<SecretBytes> HkdfSha256Expand(std::string_view prk,
                                                           std::string_view info, size_t length);

}  // namespace datamesh::crypto
