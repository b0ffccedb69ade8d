#include "shared/crypto/aead.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <climits>
#include <utility>

#include "shared/crypto/openssl_util.h"

namespace datamesh::crypto {
namespace {

// EVP_*Update take an int length; longer inputs are fed in chunks of this size.
constexpr size_t kMaxChunk = size_t{1} << 30;

bool PartiallyOverlaps(const void* in, size_t in_size, const void* out, size_t out_size) {
  const auto a = reinterpret_cast<uintptr_t>(in);
  const auto b = reinterpret_cast<uintptr_t>(out);
  if (in_size == 0 || out_size == 0 || a == b) return false;
  return a < b + out_size && b < a + in_size;
}

absl::Status CheckArgs(std::string_view nonce, const char* input, size_t input_size,
                       std::span<uint8_t> out, size_t out_needed) {
  if (nonce.size() != kAesGcmNonceSize) {
    return absl::InvalidArgumentError("AES-GCM nonce must be 12 bytes");
  }
  if (out.size() < out_needed) {
    return absl::InvalidArgumentError("AES-GCM output buffer is too small");
  }
  if (PartiallyOverlaps(input, input_size, out.data(), out_needed)) {
    return absl::InvalidArgumentError("AES-GCM input and output partially overlap");
  }
  return absl::OkStatus();
}

// Feeds AAD (out == nullptr) or message bytes through EVP_CipherUpdate.
bool CipherUpdate(EVP_CIPHER_CTX* ctx, uint8_t* out, std::string_view in) {
  size_t done = 0;
  while (done < in.size()) {
    const size_t chunk = std::min(in.size() - done, kMaxChunk);
    int out_len = 0;
    if (EVP_CipherUpdate(ctx, out == nullptr ? nullptr : out + done, &out_len,
                         internal::Bytes(in) + done, static_cast<int>(chunk)) != 1) {
      return false;
    }
    done += chunk;
  }
  return true;
}

}  // namespace

void AesGcm::CtxFree::operator()(evp_cipher_ctx_st* ctx) const { EVP_CIPHER_CTX_free(ctx); }

AesGcm::AesGcm(std::unique_ptr<evp_cipher_ctx_st, CtxFree> ctx) : ctx_(std::move(ctx)) {}
AesGcm::AesGcm(AesGcm&&) noexcept = default;
AesGcm& AesGcm::operator=(AesGcm&&) noexcept = default;
AesGcm::~AesGcm() = default;  // EVP_CIPHER_CTX_free cleanses the expanded key.

absl::StatusOr<AesGcm> AesGcm::Create(std::string_view key) {
  if (key.size() != kAesGcmKeySize) {
    return absl::InvalidArgumentError("AES-256-GCM key must be 32 bytes");
  }
  const EVP_CIPHER* cipher = internal::Aes256GcmCipher();
  if (cipher == nullptr) return internal::OpenSslError("AES-256-GCM is not available");
  std::unique_ptr<evp_cipher_ctx_st, CtxFree> ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return internal::OpenSslError("EVP_CIPHER_CTX_new failed");
  // The key is expanded once here; each message then only sets a nonce and direction.
  if (EVP_CipherInit_ex2(ctx.get(), cipher, internal::Bytes(key), nullptr, 1, nullptr) != 1) {
    return internal::OpenSslError("EVP_CipherInit_ex2(AES-256-GCM) failed");
  }
  return AesGcm(std::move(ctx));
}

absl::Status AesGcm::Rekey(std::string_view key) {
  if (key.size() != kAesGcmKeySize) {
    return absl::InvalidArgumentError("AES-256-GCM key must be 32 bytes");
  }
  // No cipher and direction -1: only the key changes (expanded again over the old one).
  if (EVP_CipherInit_ex2(ctx_.get(), nullptr, internal::Bytes(key), nullptr, -1, nullptr) != 1) {
    return internal::OpenSslError("EVP_CipherInit_ex2(AES-256-GCM rekey) failed");
  }
  return absl::OkStatus();
}

absl::Status AesGcm::SealInto(std::string_view nonce, std::string_view aad,
                              std::string_view plaintext, std::span<uint8_t> out) {
  if (plaintext.size() > kAesGcmMaxPlaintextSize) {
    return absl::InvalidArgumentError("AES-GCM message is too long");
  }
  const size_t sealed_size = SealedSize(plaintext.size());
  absl::Status status = CheckArgs(nonce, plaintext.data(), plaintext.size(), out, sealed_size);
  if (!status.ok()) return status;

  EVP_CIPHER_CTX* ctx = ctx_.get();
  int final_len = 0;
  if (EVP_CipherInit_ex2(ctx, nullptr, nullptr, internal::Bytes(nonce), 1, nullptr) != 1 ||
      !CipherUpdate(ctx, nullptr, aad) || !CipherUpdate(ctx, out.data(), plaintext) ||
      EVP_CipherFinal_ex(ctx, out.data() + plaintext.size(), &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kAesGcmTagSize),
                          out.data() + plaintext.size()) != 1) {
    return internal::OpenSslError("AES-256-GCM seal failed");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> AesGcm::Seal(std::string_view nonce, std::string_view aad,
                                         std::string_view plaintext) {
  std::string out(SealedSize(plaintext.size()), '\0');
  absl::Status status = SealInto(nonce, aad, plaintext,
                                 std::span(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  if (!status.ok()) return status;
  return out;
}

absl::Status AesGcm::OpenInto(std::string_view nonce, std::string_view aad, std::string_view sealed,
                              std::span<uint8_t> out) {
  if (sealed.size() < kAesGcmTagSize) {
    return absl::InvalidArgumentError("AES-GCM sealed message is shorter than its tag");
  }
  const std::string_view ciphertext = sealed.substr(0, sealed.size() - kAesGcmTagSize);
  const std::string_view tag = sealed.substr(ciphertext.size());
  absl::Status status = CheckArgs(nonce, sealed.data(), ciphertext.size(), out, ciphertext.size());
  if (!status.ok()) return status;

  // Copied because OpenSSL's ctrl takes a non-const pointer, and before decrypting so that an
  // in-place open cannot disturb it.
  uint8_t expected_tag[kAesGcmTagSize];
  std::copy(tag.begin(), tag.end(), expected_tag);
  EVP_CIPHER_CTX* ctx = ctx_.get();
  int final_len = 0;
  if (EVP_CipherInit_ex2(ctx, nullptr, nullptr, internal::Bytes(nonce), 0, nullptr) != 1 ||
      !CipherUpdate(ctx, nullptr, aad) || !CipherUpdate(ctx, out.data(), ciphertext) ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kAesGcmTagSize),
                          expected_tag) != 1) {
    OPENSSL_cleanse(out.data(), ciphertext.size());
    return internal::OpenSslError("AES-256-GCM open failed");
  }
  if (EVP_CipherFinal_ex(ctx, out.data() + ciphertext.size(), &final_len) != 1) {
    OPENSSL_cleanse(out.data(), ciphertext.size());
    internal::ClearOpenSslErrors();
    return absl::DataLossError("AES-256-GCM authentication failed: message is not authentic");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> AesGcm::Open(std::string_view nonce, std::string_view aad,
                                         std::string_view sealed) {
  if (sealed.size() < kAesGcmTagSize) {
    return absl::InvalidArgumentError("AES-GCM sealed message is shorter than its tag");
  }
  std::string out(sealed.size() - kAesGcmTagSize, '\0');
  absl::Status status =
      OpenInto(nonce, aad, sealed, std::span(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  if (!status.ok()) return status;
  return out;
}

}  // namespace datamesh::crypto
