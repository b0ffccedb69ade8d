// ECIES over X25519: seals a small secret (a file's data key) to a recipient's public key.
//
// Sealing generates an ephemeral X25519 key pair, computes the shared secret with the
// recipient's public key, derives a one-time AES-256 key with HKDF-SHA256 and encrypts with
// AES-256-GCM. Only the holder of the recipient's private key can open the result.
//
// Sealed format, version 1 (all offsets in bytes):
//
//   0        1         33       45                 45+n
//   +--------+---------+--------+------------------+--------+
//   | 0x01   | eph_pub | nonce  | ciphertext (n)   | tag    |
//   +--------+---------+--------+------------------+--------+
//     1 B      32 B      12 B                        16 B
//
//   shared = X25519(eph_priv, recipient_pub)
//   key    = HKDF-SHA256(ikm = shared, salt = "",
//                        info = "datamesh/ecies/v1" || eph_pub || recipient_pub, L = 32)
//   ciphertext || tag = AES-256-GCM(key, nonce, aad = bytes[0, 45) || caller_aad, plaintext)
//
// Binding both public keys in `info` ties the key to this exchange; putting the header in the
// AAD authenticates the version byte and nonce. A new format gets a new first byte and its own
// HKDF label; openers dispatch on the first byte, so old wrapped keys stay readable.
//
// The optional `aad` is authenticated but not stored: the same value must be given to open.
// Use it to bind the sealed key to its context (file id, key version) so that a wrapped key
// cannot be moved to another file's manifest.
//
// Stateless functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "shared/crypto/secret.h"
#include "shared/crypto/x25519.h"

namespace datamesh::crypto {

inline constexpr uint8_t kEciesVersion1 = 0x01;
// Bytes added to the plaintext by EciesSeal: version + ephemeral key + nonce + tag.
inline constexpr size_t kEciesOverhead = 1 + 32 + 12 + 16;

// Seals `plaintext` to `recipient_public_key` (32 raw bytes) in format version 1.
// kInvalidArgument for a malformed or low-order public key; kInternal if OpenSSL fails.
[[nodiscard]] absl::StatusOr<std::string> EciesSeal(std::string_view recipient_public_key,
                                                    std::string_view plaintext,
                                                    std::string_view aad = {});

// Opens a message sealed to `recipient`. kDataLoss when it is truncated, was tampered with, was
// sealed to another key or with another `aad`; kUnimplemented for an unknown format version.
[[nodiscard]] absl::StatusOr<SecretBytes> EciesOpen(const X25519PrivateKey& recipient,
                                                    std::string_view sealed,
                                                    std::string_view aad = {});

}  // namespace datamesh::crypto
