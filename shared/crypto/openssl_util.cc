#include "shared/crypto/openssl_util.h"

#include <openssl/err.h>

#include <string>

namespace datamesh::crypto::internal {

absl::Status OpenSslError(std::string_view what, absl::StatusCode code) {
  std::string message(what);
  // Report the oldest entry (the root cause) and drop the rest.
  unsigned long err = ERR_get_error();
  if (err != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    message.append(": ").append(buf);
  }
  ERR_clear_error();
  return absl::Status(code, message);
}

void ClearOpenSslErrors() { ERR_clear_error(); }

// Function-local statics: initialised once, thread-safely, on first use; never freed, because
// freeing at exit would race with threads still running crypto during shutdown.
const EVP_MD* Sha256Md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

const EVP_CIPHER* Aes256GcmCipher() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

EVP_MAC* HmacMac() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

EVP_KDF* HkdfKdf() {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  return kdf;
}

EVP_KDF* ScryptKdf() {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "SCRYPT", nullptr);
  return kdf;
}

OSSL_PARAM OctetParam(const char* key, std::string_view bytes) {
  static constexpr char kEmpty[1] = {0};
  // OpenSSL only reads parameters passed to a set/derive call, so dropping const is safe.
  const char* data = bytes.empty() ? kEmpty : bytes.data();
  return OSSL_PARAM_construct_octet_string(key, const_cast<char*>(data), bytes.size());
}

absl::StatusOr<PkeyPtr> PkeyFromRawPrivate(const char* algorithm, std::string_view raw) {
  if (raw.size() != 32) {
    return absl::InvalidArgumentError(std::string(algorithm) + " private key must be 32 bytes");
  }
  PkeyPtr pkey(
      EVP_PKEY_new_raw_private_key_ex(nullptr, algorithm, nullptr, Bytes(raw), raw.size()));
  if (pkey == nullptr) return OpenSslError(std::string(algorithm) + ": bad private key");
  return pkey;
}

absl::StatusOr<PkeyPtr> PkeyFromRawPublic(const char* algorithm, std::string_view raw) {
  if (raw.size() != 32) {
    return absl::InvalidArgumentError(std::string(algorithm) + " public key must be 32 bytes");
  }
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key_ex(nullptr, algorithm, nullptr, Bytes(raw), raw.size()));
  if (pkey == nullptr) {
    return OpenSslError(std::string(algorithm) + ": bad public key",
                        absl::StatusCode::kInvalidArgument);
  }
  return pkey;
}

absl::StatusOr<PkeyPtr> GeneratePkey(const char* algorithm) {
  PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, algorithm));
  if (pkey == nullptr) return OpenSslError(std::string(algorithm) + " key generation failed");
  return pkey;
}

absl::StatusOr<std::string> RawPublicKey(const EVP_PKEY* pkey) {
  std::string out(32, '\0');
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
      len != out.size()) {
    return OpenSslError("EVP_PKEY_get_raw_public_key failed");
  }
  return out;
}

absl::StatusOr<SecretBytes> RawPrivateKey(const EVP_PKEY* pkey) {
  SecretBytes out(32);
  size_t len = out.size();
  if (EVP_PKEY_get_raw_private_key(pkey, out.data(), &len) != 1 || len != out.size()) {
    return OpenSslError("EVP_PKEY_get_raw_private_key failed");
  }
  return out;
}

}  // namespace datamesh::crypto::internal
