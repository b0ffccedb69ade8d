// Internal to dm_crypto: glue between OpenSSL 3 and absl::Status. Not part of the public API;
// other modules include the specific headers (hash.h, aead.h, ...) instead.
//
// The algorithm getters fetch each EVP algorithm once per process and keep it for the life of
// the process: fetching is a provider lookup under a lock, far too slow for the hot path, and a
// fetched algorithm is immutable and safe to share between threads. All functions here are
// thread-safe.
#pragma once

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shared/crypto/secret.h"

namespace datamesh::crypto::internal {

// Returns `code` with "<what>: <OpenSSL error queue>" and empties this thread's error queue, so a
// stale entry never shows up in an unrelated later error.
absl::Status OpenSslError(std::string_view what,
                          absl::StatusCode code = absl::StatusCode::kInternal);

// Clears this thread's OpenSSL error queue (after an expected failure such as a bad tag).
void ClearOpenSslErrors();

// Process-wide fetched algorithms; nullptr only if the default provider lacks them.
const EVP_MD* Sha256Md();
const EVP_CIPHER* Aes256GcmCipher();
EVP_MAC* HmacMac();
EVP_KDF* HkdfKdf();
EVP_KDF* ScryptKdf();

// An OSSL_PARAM for a read-only byte string. OpenSSL rejects a null pointer even when the length
// is zero, and a default-constructed string_view has one, so empty input points at a static byte.
OSSL_PARAM OctetParam(const char* key, std::string_view bytes);

inline const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};

using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, KdfCtxFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

// Raw-key helpers for X25519 / Ed25519 (32-byte keys).
absl::StatusOr<PkeyPtr> PkeyFromRawPrivate(const char* algorithm, std::string_view raw);
absl::StatusOr<PkeyPtr> PkeyFromRawPublic(const char* algorithm, std::string_view raw);
absl::StatusOr<PkeyPtr> GeneratePkey(const char* algorithm);
absl::StatusOr<std::string> RawPublicKey(const EVP_PKEY* pkey);
absl::StatusOr<SecretBytes> RawPrivateKey(const EVP_PKEY* pkey);

}  // namespace datamesh::crypto::internal
