#include "services/auth/s3_secret_box.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "shared/crypto/aead.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/random.h"
#include "shared/status/status.h"

namespace datamesh::auth {
namespace {

std::string Aad(std::string_view access_key_id, std::string_view user_id) {
  return absl::StrCat("datamesh auth s3 secret v1|",
                      absl::string_view(access_key_id.data(), access_key_id.size()), "|",
                      absl::string_view(user_id.data(), user_id.size()));
}

}  // namespace

absl::StatusOr<S3SecretBox> S3SecretBox::FromBase64(std::string_view text) {
  absl::string_view trimmed =
      absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size()));
  absl::StatusOr<std::string> key =
      crypto::Base64Decode(std::string_view(trimmed.data(), trimmed.size()));
  if (!key.ok() || key->size() != crypto::kAesGcmKeySize) {
    return absl::InvalidArgumentError("the S3 secret key must be the base64 of 32 bytes");
  }
  S3SecretBox box(crypto::SecretBytes::CopyOf(*key));
  std::fill(key->begin(), key->end(), '\0');
  return box;
}

absl::StatusOr<S3SecretBox> S3SecretBox::FromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read the S3 secret key file ", path));
  std::stringstream text;
  text << in.rdbuf();
  return FromBase64(text.str());
}

absl::StatusOr<SealedS3Secret> S3SecretBox::Seal(std::string_view secret,
                                                 std::string_view access_key_id,
                                                 std::string_view user_id) const {
  ASSIGN_OR_RETURN(crypto::AesGcm gcm, crypto::AesGcm::Create(key_.view()));
  SealedS3Secret out;
  ASSIGN_OR_RETURN(out.nonce, crypto::RandomBytes(crypto::kAesGcmNonceSize));
  ASSIGN_OR_RETURN(out.box, gcm.Seal(out.nonce, Aad(access_key_id, user_id), secret));
  return out;
}

absl::StatusOr<crypto::SecretBytes> S3SecretBox::Open(const SealedS3Secret& sealed,
                                                      std::string_view access_key_id,
                                                      std::string_view user_id) const {
  if (sealed.nonce.size() != crypto::kAesGcmNonceSize ||
      sealed.box.size() < crypto::kAesGcmTagSize) {
    return absl::DataLossError("sealed S3 secret has the wrong size");
  }
  ASSIGN_OR_RETURN(crypto::AesGcm gcm, crypto::AesGcm::Create(key_.view()));
  crypto::SecretBytes out(sealed.box.size() - crypto::kAesGcmTagSize);
  absl::Status s = gcm.OpenInto(sealed.nonce, Aad(access_key_id, user_id), sealed.box,
                                std::span<uint8_t>(out.data(), out.size()));
  if (absl::IsDataLoss(s)) return absl::DataLossError("sealed S3 secret does not open");
  RETURN_IF_ERROR(s);
  return out;
}

}  // namespace datamesh::auth
