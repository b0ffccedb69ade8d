// S3SecretBox: encryption at rest of S3 secret access keys under the server's S3 key.
//
// SigV4 verification needs the secret itself, so unlike passwords and API keys it cannot be kept
// as a hash. Each secret is sealed with AES-256-GCM under the operator's 32-byte server key
// (--s3-secret-key-file / DM_S3_SECRET_KEY, base64), with a fresh random 96-bit nonce per row and
// associated data naming the access key id and user, so a sealed secret moved to another row
// does not open. Whoever holds both the database and the server key can recover S3 secrets (and
// through them the sealed private key copies): that is the weaker promise S3 keys carry, stated
// in services/auth/README.md.
//
// Thread-safe (each call builds its own cipher context).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "shared/crypto/secret.h"

namespace datamesh::auth {

struct SealedS3Secret {
  std::string nonce;  // 12 bytes
  std::string box;    // ciphertext || tag
};

class S3SecretBox {
 public:
  // The key from its base64 text (standard alphabet, surrounding whitespace ignored).
  // INVALID_ARGUMENT unless it decodes to exactly 32 bytes.
  [[nodiscard]] static absl::StatusOr<S3SecretBox> FromBase64(std::string_view text);
  // The key from a file holding its base64 text. NOT_FOUND / INVALID_ARGUMENT.
  [[nodiscard]] static absl::StatusOr<S3SecretBox> FromFile(const std::string& path);

  [[nodiscard]] absl::StatusOr<SealedS3Secret> Seal(std::string_view secret,
                                                    std::string_view access_key_id,
                                                    std::string_view user_id) const;
  // DATA_LOSS: wrong server key, or the row was altered or moved.
  [[nodiscard]] absl::StatusOr<crypto::SecretBytes> Open(const SealedS3Secret& sealed,
                                                         std::string_view access_key_id,
                                                         std::string_view user_id) const;

 private:
  explicit S3SecretBox(crypto::SecretBytes key) : key_(std::move(key)) {}
  crypto::SecretBytes key_;
};

}  // namespace datamesh::auth
