#include "services/auth/key_sealing.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/crypto/aead.h"
#include "shared/crypto/hkdf.h"
#include "shared/crypto/random.h"
#include "shared/crypto/x25519.h"
#include "shared/status/status.h"

namespace datamesh::auth {
namespace {

constexpr size_t kSaltSize = 16;

std::string Aad(SealPurpose purpose, std::string_view user_id) {
  const char* what = purpose == SealPurpose::kPassword   ? "password"
                     : purpose == SealPurpose::kSession  ? "session"
                     : purpose == SealPurpose::kRecovery ? "recovery"
                     : purpose == SealPurpose::kS3Key    ? "s3_key"
                                                         : "api_key";
  return absl::StrCat("datamesh auth sealed private key v1|", what, "|",
                      absl::string_view(user_id.data(), user_id.size()));
}

absl::StatusOr<std::string> Seal(const crypto::SecretBytes& key, std::string_view aad,
                                 const crypto::SecretBytes& plaintext) {
  ASSIGN_OR_RETURN(crypto::AesGcm gcm, crypto::AesGcm::Create(key.view()));
  ASSIGN_OR_RETURN(std::string nonce, crypto::RandomBytes(crypto::kAesGcmNonceSize));
  ASSIGN_OR_RETURN(std::string sealed, gcm.Seal(nonce, aad, plaintext.view()));
  return nonce + sealed;
}

absl::StatusOr<crypto::SecretBytes> Open(const crypto::SecretBytes& key, std::string_view aad,
                                         std::string_view blob) {
  if (blob.size() != crypto::kAesGcmNonceSize + crypto::kX25519KeySize + crypto::kAesGcmTagSize) {
    return absl::DataLossError("sealed private key has the wrong size");
  }
  ASSIGN_OR_RETURN(crypto::AesGcm gcm, crypto::AesGcm::Create(key.view()));
  crypto::SecretBytes out(crypto::kX25519KeySize);
  std::string_view nonce = blob.substr(0, crypto::kAesGcmNonceSize);
  std::string_view sealed = blob.substr(crypto::kAesGcmNonceSize);
  absl::Status s = gcm.OpenInto(nonce, aad, sealed, std::span<uint8_t>(out.data(), out.size()));
  if (absl::IsDataLoss(s)) return absl::DataLossError("sealed private key does not open");
  RETURN_IF_ERROR(s);
  return out;
}

absl::StatusOr<crypto::SecretBytes> SecretKey(std::string_view secret, std::string_view salt,
                                              SealPurpose purpose) {
  const char* info = purpose == SealPurpose::kSession    ? "datamesh auth session seal v1"
                     : purpose == SealPurpose::kRecovery ? "datamesh auth recovery seal v1"
                     : purpose == SealPurpose::kS3Key    ? "datamesh auth s3 key seal v1"
                                                         : "datamesh auth api key seal v1";
  return crypto::HkdfSha256(secret, salt, info, crypto::kAesGcmKeySize);
}

}  // namespace

std::string FormatKdf(const crypto::ScryptParams& params) {
  return absl::StrCat("scrypt$", params.n, "$", params.r, "$", params.p);
}

absl::StatusOr<crypto::ScryptParams> ParseKdf(std::string_view kdf) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::string_view(kdf.data(), kdf.size()), '$');
  crypto::ScryptParams params;
  if (parts.size() != 4 || parts[0] != "scrypt" || !absl::SimpleAtoi(parts[1], &params.n) ||
      !absl::SimpleAtoi(parts[2], &params.r) || !absl::SimpleAtoi(parts[3], &params.p)) {
    return absl::InvalidArgumentError("malformed key derivation parameters");
  }
  RETURN_IF_ERROR(crypto::ValidateScryptParams(params));
  return params;
}

absl::StatusOr<SealedKey> SealWithPassword(const crypto::SecretBytes& private_key,
                                           std::string_view password,
                                           const crypto::ScryptParams& params,
                                           std::string_view user_id) {
  SealedKey out;
  ASSIGN_OR_RETURN(out.salt, crypto::RandomBytes(kSaltSize));
  ASSIGN_OR_RETURN(crypto::SecretBytes key,
                   crypto::DeriveKeyFromPassword(password, out.salt, params));
  ASSIGN_OR_RETURN(out.blob, Seal(key, Aad(SealPurpose::kPassword, user_id), private_key));
  return out;
}

absl::StatusOr<crypto::SecretBytes> OpenWithPassword(const SealedKey& sealed,
                                                     std::string_view password,
                                                     std::string_view kdf,
                                                     std::string_view user_id) {
  ASSIGN_OR_RETURN(crypto::ScryptParams params, ParseKdf(kdf));
  ASSIGN_OR_RETURN(crypto::SecretBytes key,
                   crypto::DeriveKeyFromPassword(password, sealed.salt, params));
  return Open(key, Aad(SealPurpose::kPassword, user_id), sealed.blob);
}

absl::StatusOr<SealedKey> SealWithSecret(const crypto::SecretBytes& private_key,
                                         std::string_view secret, SealPurpose purpose,
                                         std::string_view user_id) {
  SealedKey out;
  ASSIGN_OR_RETURN(out.salt, crypto::RandomBytes(kSaltSize));
  ASSIGN_OR_RETURN(crypto::SecretBytes key, SecretKey(secret, out.salt, purpose));
  ASSIGN_OR_RETURN(out.blob, Seal(key, Aad(purpose, user_id), private_key));
  return out;
}

absl::StatusOr<crypto::SecretBytes> OpenWithSecret(const SealedKey& sealed, std::string_view secret,
                                                   SealPurpose purpose, std::string_view user_id) {
  ASSIGN_OR_RETURN(crypto::SecretBytes key, SecretKey(secret, sealed.salt, purpose));
  return Open(key, Aad(purpose, user_id), sealed.blob);
}

}  // namespace datamesh::auth
