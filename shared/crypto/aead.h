// AES-256-GCM authenticated encryption with an explicit 96-bit nonce and associated data.
//
// Wire format of a sealed message: ciphertext || 16-byte tag (the nonce is not included; the
// caller stores or derives it). Opening fails with kDataLoss when anything — key, nonce, AAD,
// ciphertext or tag — differs from what was sealed; no partial plaintext is ever released.
//
// Nonces: a (key, nonce) pair must never seal two different messages; doing so reveals the
// XOR of the plaintexts and lets an attacker forge tags. Use a fresh random key per object or a
// counter/derived nonce per segment under one key. Random 96-bit nonces under one key are safe
// for up to about 2^32 messages.
//
// An AesGcm object holds one key (expanded inside OpenSSL, which cleanses it when the object is
// destroyed) and seals/opens any number of messages. It is a mutable context: not thread-safe;
// use one object per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct evp_cipher_ctx_st;  // OpenSSL's EVP_CIPHER_CTX, kept out of this header.

namespace datamesh::crypto {

inline constexpr size_t kAesGcmKeySize = 32;
inline constexpr size_t kAesGcmNonceSize = 12;
inline constexpr size_t kAesGcmTagSize = 16;
// GCM's limit for one message (2^39 - 256 bits), rounded down to whole bytes.
inline constexpr uint64_t kAesGcmMaxPlaintextSize = (uint64_t{1} << 36) - 32;

class AesGcm {
 public:
  // kInvalidArgument unless `key` is kAesGcmKeySize bytes. The key is copied into OpenSSL.
  [[nodiscard]] static absl::StatusOr<AesGcm> Create(std::string_view key);

  // Move-only; a moved-from object may only be destroyed or assigned to.

  AesGcm(AesGcm&&) noexcept;
  AesGcm& operator=(AesGcm&&) noexcept;
  ~AesGcm();

  // Replaces the key, keeping the context (no allocation, no cipher lookup): lets a worker
  // thread keep one object for every content it seals or opens. kInvalidArgument unless `key`
  // is kAesGcmKeySize bytes (the object then keeps its old key).
  [[nodiscard]] absl::Status Rekey(std::string_view key);

  static constexpr size_t SealedSize(size_t plaintext_size) {
    return plaintext_size + kAesGcmTagSize;
  }

  // Encrypts `plaintext` into out[0, SealedSize(plaintext.size())). `out` may be exactly the
  // plaintext's buffer (in-place) but must not partially overlap it.
  // kInvalidArgument: nonce not 12 bytes, `out` too small, partial overlap, message too long.
  [[nodiscard]] absl::Status SealInto(std::string_view nonce, std::string_view aad,
                                      std::string_view plaintext, std::span<uint8_t> out);
  [[nodiscard]] absl::StatusOr<std::string> Seal(std::string_view nonce, std::string_view aad,
                                                 std::string_view plaintext);

  // Decrypts and verifies `sealed` (ciphertext || tag) into out[0, sealed.size() - 16); `out`
  // may be exactly the sealed buffer (in-place). On kDataLoss (authentication failed) the
  // written part of `out` is wiped.
  // kInvalidArgument: nonce not 12 bytes, `sealed` shorter than the tag, `out` too small,
  // partial overlap. kDataLoss: not authentic.
  [[nodiscard]] absl::Status OpenInto(std::string_view nonce, std::string_view aad,
                                      std::string_view sealed, std::span<uint8_t> out);
  [[nodiscard]] absl::StatusOr<std::string> Open(std::string_view nonce, std::string_view aad,
                                                 std::string_view sealed);

 private:
  struct CtxFree {
    void operator()(evp_cipher_ctx_st* ctx) const;
  };
  explicit AesGcm(std::unique_ptr<evp_cipher_ctx_st, CtxFree> ctx);

  std::unique_ptr<evp_cipher_ctx_st, CtxFree> ctx_;
};

}  // namespace datamesh::crypto
