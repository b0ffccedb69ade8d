#include "shared/crypto/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "shared/crypto/openssl_util.h"

namespace datamesh::crypto {
namespace {

absl::Status CheckSizes(std::string_view info, size_t length) {
  if (length == 0 || length > kHkdfSha256MaxLength) {
    return absl::InvalidArgumentError(absl::StrCat("HKDF-SHA256 output length must be 1..",
                                                   kHkdfSha256MaxLength, ", got ", length));
  }
  if (info.size() > kHkdfMaxInfoLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("HKDF info is longer than ", kHkdfMaxInfoLength, " bytes"));
  }
  return absl::OkStatus();
}

// One EVP_KDF derivation. `key` is the IKM (extract modes) or the PRK (expand-only mode).
absl::StatusOr<SecretBytes> Derive(int mode, std::string_view key, std::string_view salt,
                                   std::string_view info, size_t length) {
  EVP_KDF* kdf = internal::HkdfKdf();
  if (kdf == nullptr) return internal::OpenSslError("HKDF is not available");
  internal::KdfCtxPtr ctx(EVP_KDF_CTX_new(kdf));
  if (ctx == nullptr) return internal::OpenSslError("EVP_KDF_CTX_new(HKDF) failed");

  char digest_name[] = "SHA256";
  std::vector<OSSL_PARAM> params;
  params.push_back(OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode));
  params.push_back(OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_name, 0));
  params.push_back(internal::OctetParam(OSSL_KDF_PARAM_KEY, key));
  // Left out when empty: OpenSSL then uses the all-zero salt of RFC 5869 §2.2.
  if (!salt.empty()) params.push_back(internal::OctetParam(OSSL_KDF_PARAM_SALT, salt));
  if (!info.empty()) params.push_back(internal::OctetParam(OSSL_KDF_PARAM_INFO, info));
  params.push_back(OSSL_PARAM_construct_end());

  SecretBytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params.data()) != 1) {
    return internal::OpenSslError("EVP_KDF_derive(HKDF-SHA256) failed");
  }
  return out;
}

}  // namespace

absl::StatusOr<SecretBytes> HkdfSha256(std::string_view ikm, std::string_view salt,
                                       std::string_view info, size_t length) {
  absl::Status status = CheckSizes(info, length);
  if (!status.ok()) return status;
  return Derive(EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, ikm, salt, info, length);
}

absl::StatusOr<SecretBytes> HkdfSha256Extract(std::string_view ikm, std::string_view salt) {
  return Derive(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, salt, {}, 32);
}

absl::StatusOr<SecretBytes> HkdfSha256Expand(std::string_view prk, std::string_view info,
                                             size_t length) {
  if (prk.size() < 32) return absl::InvalidArgumentError("HKDF PRK must be at least 32 bytes");
  absl::Status status = CheckSizes(info, length);
  if (!status.ok()) return status;
  return Derive(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, {}, info, length);
}

}  // namespace datamesh::crypto
