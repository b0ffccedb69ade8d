// Ed25519 signatures (RFC 8032, pure Ed25519: the message is signed as is, not pre-hashed).
//
// Keys and signatures travel as raw bytes: 32-byte private seed, 32-byte public key, 64-byte
// signature. An Ed25519PrivateKey owns its key inside OpenSSL, which wipes it on destruction;
// it is move-only (a moved-from key may only be destroyed or assigned to) and immutable after
// creation, so const methods may run on several threads. Ed25519Verify is stateless and
// thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shared/crypto/secret.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header.

namespace datamesh::crypto {

inline constexpr size_t kEd25519KeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

class Ed25519PrivateKey {
 public:
  // A new random key. kInternal if OpenSSL fails.
  [[nodiscard]] static absl::StatusOr<Ed25519PrivateKey> Generate();
  // Loads the 32-byte private seed (RFC 8032 "secret key"). kInvalidArgument on a wrong size.
  [[nodiscard]] static absl::StatusOr<Ed25519PrivateKey> FromBytes(std::string_view seed);

  Ed25519PrivateKey(Ed25519PrivateKey&&) noexcept;
  Ed25519PrivateKey& operator=(Ed25519PrivateKey&&) noexcept;
  ~Ed25519PrivateKey();

  // The raw 32-byte public key.
  const std::string& public_key() const { return public_key_; }

  // The 32-byte private seed, for storage. Handle with care.
  [[nodiscard]] absl::StatusOr<SecretBytes> ToBytes() const;

  // The 64-byte signature of `message`. Deterministic: the same key and message always give the
  // same signature. kInternal if OpenSSL fails.
  [[nodiscard]] absl::StatusOr<std::string> Sign(std::string_view message) const;

 private:
  struct PkeyFree {
    void operator()(evp_pkey_st* pkey) const;
  };
  Ed25519PrivateKey(std::unique_ptr<evp_pkey_st, PkeyFree> pkey, std::string public_key);
  static absl::StatusOr<Ed25519PrivateKey> Wrap(evp_pkey_st* pkey);

  std::unique_ptr<evp_pkey_st, PkeyFree> pkey_;
  std::string public_key_;
};

// OK when `signature` is a valid Ed25519 signature of `message` under `public_key`.
// kInvalidArgument if the public key is not 32 bytes; kDataLoss if the signature does not
// verify (wrong size, wrong key, or the message or signature was altered).
[[nodiscard]] absl::Status Ed25519Verify(std::string_view public_key, std::string_view message,
                                         std::string_view signature);

}  // namespace datamesh::crypto
