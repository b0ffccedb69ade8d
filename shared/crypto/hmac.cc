#include "shared/crypto/hmac.h"

#include <openssl/core_names.h>

#include "shared/crypto/openssl_util.h"

namespace datamesh::crypto {

absl::StatusOr<Sha256Digest> HmacSha256(std::string_view key, std::string_view data) {
  EVP_MAC* mac = internal::HmacMac();
  if (mac == nullptr) return internal::OpenSslError("HMAC is not available");
  internal::MacCtxPtr ctx(EVP_MAC_CTX_new(mac));
  if (ctx == nullptr) return internal::OpenSslError("EVP_MAC_CTX_new failed");

  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  // EVP_MAC_init treats a null key as "keep the previous key", so an empty key must still be
  // passed as a non-null pointer.
  static constexpr unsigned char kEmptyKey[1] = {0};
  const unsigned char* key_bytes = key.empty() ? kEmptyKey : internal::Bytes(key);
  if (EVP_MAC_init(ctx.get(), key_bytes, key.size(), params) != 1) {
    return internal::OpenSslError("EVP_MAC_init(HMAC-SHA256) failed");
  }
  if (EVP_MAC_update(ctx.get(), internal::Bytes(data), data.size()) != 1) {
    return internal::OpenSslError("EVP_MAC_update(HMAC-SHA256) failed");
  }
  Sha256Digest out;
  size_t out_len = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &out_len, out.size()) != 1 || out_len != out.size()) {
    return internal::OpenSslError("EVP_MAC_final(HMAC-SHA256) failed");
  }
  return out;
}

}  // namespace datamesh::crypto
