// X25519 key pairs and Diffie-Hellman (RFC 7748).
//
// Each user owns one X25519 key pair: file data keys are wrapped to its public key with ECIES
// (ecies.h), and its private key is stored only sealed under a password- or token-derived key.
// Keys travel as raw 32-byte strings (RFC 7748 little-endian encoding).
//
// An X25519PrivateKey owns its private key inside OpenSSL, which wipes it when the object is
// destroyed. It is move-only (a moved-from key may only be destroyed or assigned
// to) and immutable after creation: const methods may be called from
// several threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "shared/crypto/secret.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header.

namespace datamesh::crypto {

inline constexpr size_t kX25519KeySize = 32;

class X25519PrivateKey {
 public:
  // A new random key pair. kInternal if OpenSSL fails.
  [[nodiscard]] static absl::StatusOr<X25519PrivateKey> Generate();
  // Loads a raw 32-byte private key (as returned by ToBytes). kInvalidArgument on a wrong size.
  [[nodiscard]] static absl::StatusOr<X25519PrivateKey> FromBytes(std::string_view private_key);

  X25519PrivateKey(X25519PrivateKey&&) noexcept;
  X25519PrivateKey& operator=(X25519PrivateKey&&) noexcept;
  ~X25519PrivateKey();

  // The raw 32-byte public key, derived from the private key.
  const std::string& public_key() const { return public_key_; }

  // The raw 32-byte private key, for sealing at rest. Handle with care.
  [[nodiscard]] absl::StatusOr<SecretBytes> ToBytes() const;

  // The 32-byte X25519 shared secret with `peer_public_key`. Feed it to a KDF (HKDF), never use
  // it as a key directly. kInvalidArgument if the peer key is not 32 bytes or is a low-order
  // point (the result would be all zeros, which OpenSSL refuses).
  [[nodiscard]] absl::StatusOr<SecretBytes> SharedSecret(std::string_view peer_public_key) const;

 private:
  struct PkeyFree {
    void operator()(evp_pkey_st* pkey) const;
  };
  X25519PrivateKey(std::unique_ptr<evp_pkey_st, PkeyFree> pkey, std::string public_key);
  static absl::StatusOr<X25519PrivateKey> Wrap(evp_pkey_st* pkey);

  std::unique_ptr<evp_pkey_st, PkeyFree> pkey_;
  std::string public_key_;
};

}  // namespace datamesh::crypto
