// Sealing of users' X25519 private keys at rest.
//
// A private key is never stored in the clear. Each copy is sealed with AES-256-GCM (random
// 96-bit nonce) under a key derived from a secret only the user holds:
//   * the password, through scrypt (crypto::DeriveKeyFromPassword) with its own salt — distinct
//     from the password hash's salt — and parameters recorded as "scrypt$N$r$p";
//   * a session token or API key (256 random bits), or a recovery code (160 random bits),
//     through HKDF-SHA256 with a per-record salt.
// The associated data binds each copy to its user and purpose, so a sealed blob moved to another
// row or another user does not open. Opening with the wrong secret, or a tampered blob, fails
// with DATA_LOSS and releases nothing.
//
// Stateless functions: thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/auth/auth_types.h"
#include "shared/crypto/password.h"
#include "shared/crypto/secret.h"

namespace datamesh::auth {

// What a sealed copy is for; part of the associated data.
enum class SealPurpose { kPassword, kSession, kApiKey, kRecovery, kS3Key };

// "scrypt$N$r$p" for `params`, and back (INVALID_ARGUMENT when malformed or out of range).
std::string FormatKdf(const crypto::ScryptParams& params);
[[nodiscard]] absl::StatusOr<crypto::ScryptParams> ParseKdf(std::string_view kdf);

// Seals `private_key` under a key derived from `password` (fresh salt) with `params`.
[[nodiscard]] absl::StatusOr<SealedKey> SealWithPassword(const crypto::SecretBytes& private_key,
                                                         std::string_view password,
                                                         const crypto::ScryptParams& params,
                                                         std::string_view user_id);
// Opens a copy made by SealWithPassword. DATA_LOSS: wrong password or tampered copy.
[[nodiscard]] absl::StatusOr<crypto::SecretBytes> OpenWithPassword(const SealedKey& sealed,
                                                                   std::string_view password,
                                                                   std::string_view kdf,
                                                                   std::string_view user_id);

// Seals `private_key` under a key derived from a high-entropy `secret` (token, API key or
// recovery code).
[[nodiscard]] absl::StatusOr<SealedKey> SealWithSecret(const crypto::SecretBytes& private_key,
                                                       std::string_view secret, SealPurpose purpose,
                                                       std::string_view user_id);
// Opens a copy made by SealWithSecret. DATA_LOSS: wrong secret or tampered copy.
[[nodiscard]] absl::StatusOr<crypto::SecretBytes> OpenWithSecret(const SealedKey& sealed,
                                                                 std::string_view secret,
                                                                 SealPurpose purpose,
                                                                 std::string_view user_id);

}  // namespace datamesh::auth
