#include "services/auth/s3_keys.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/auth/key_sealing.h"
#include "shared/crypto/compare.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hmac.h"
#include "shared/crypto/random.h"
#include "shared/crypto/x25519.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::auth {
namespace {

constexpr char kAccessKeyAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr size_t kAccessKeyIdSize = 20;
constexpr size_t kSecretRandomBytes = 30;  // base64: exactly 40 characters, no padding
constexpr size_t kMaxKeyNameChars = 128;

absl::Status NotConfigured() { return absl::FailedPreconditionError(kS3NotConfiguredMessage); }

bool IsAccessKeyId(const std::string& id) {
  if (id.size() != kAccessKeyIdSize) return false;
  for (char c : id) {
    if (!absl::ascii_isupper(c) && !absl::ascii_isdigit(c)) return false;
  }
  return true;
}

bool IsScopePart(const std::string& part) {
  if (part.empty() || part.size() > 64) return false;
  for (char c : part) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

absl::Status ValidateName(const std::string& name) {
  size_t chars = 0;
  for (unsigned char c : name) {
    chars += (c & 0xC0) != 0x80;
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("S3 key name contains control characters");
    }
  }
  if (name.empty() || chars > kMaxKeyNameChars) {
    return absl::InvalidArgumentError("S3 key name must be 1-128 characters");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> S3SigningKey(std::string_view secret, const S3Scope& scope) {
  std::string key = absl::StrCat("AWS4", absl::string_view(secret.data(), secret.size()));
  for (const std::string* part : {&scope.date, &scope.region, &scope.service}) {
    ASSIGN_OR_RETURN(crypto::Sha256Digest mac, crypto::HmacSha256(key, *part));
    key.assign(crypto::AsStringView(mac));
  }
  ASSIGN_OR_RETURN(crypto::Sha256Digest mac, crypto::HmacSha256(key, "aws4_request"));
  std::fill(key.begin(), key.end(), '\0');
  return std::string(crypto::AsStringView(mac));
}

S3Keys::S3Keys(std::optional<S3SecretBox> box, int max_keys, S3KeyStore& store, UserStore& users,
               Credentials& credentials, AuditLog& audit, AuthEvents& events)
    : box_(std::move(box)),
      max_keys_(max_keys),
      store_(store),
      users_(users),
      credentials_(credentials),
      audit_(audit),
      events_(events) {}

absl::StatusOr<std::string> S3Keys::NewAccessKeyId() const {
  std::string id = "DM";
  while (id.size() < kAccessKeyIdSize) {
    ASSIGN_OR_RETURN(std::string bytes, crypto::RandomBytes(32));
    for (unsigned char b : bytes) {
      // 252 = 7 * 36: rejecting the rest keeps every symbol equally likely.
      if (b < 252 && id.size() < kAccessKeyIdSize) id.push_back(kAccessKeyAlphabet[b % 36]);
    }
  }
  return id;
}

absl::StatusOr<NewS3Key> S3Keys::Create(const std::string& user_id, const std::string& name,
                                        const std::string& caller_secret,
                                        const std::string& source_ip) {
  if (!box_) return NotConfigured();
  RETURN_IF_ERROR(ValidateName(name));
  if (caller_secret.empty()) {
    return absl::UnauthenticatedError(
        "creating an S3 key needs the caller's bearer secret (authorization metadata)");
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const ValidatedCredential> caller,
                   credentials_.Validate(caller_secret));
  if (caller->user_id != user_id) {
    return absl::PermissionDeniedError("the bearer secret belongs to another user");
  }
  NewS3Key out;
  ASSIGN_OR_RETURN(std::string random, crypto::RandomBytes(kSecretRandomBytes));
  out.secret = crypto::Base64Encode(random);
  std::fill(random.begin(), random.end(), '\0');
  S3KeyRecord& k = out.record;
  k.user_id = user_id;
  k.name = name;
  ASSIGN_OR_RETURN(k.sealed,
                   SealWithSecret(*caller->private_key, out.secret, SealPurpose::kS3Key, user_id));
  // 36^18 ids: a collision is next to impossible, but the primary key decides; draw again.
  absl::Status inserted = absl::AlreadyExistsError("");
  for (int attempt = 0; attempt < 3 && absl::IsAlreadyExists(inserted); ++attempt) {
    ASSIGN_OR_RETURN(k.access_key_id, NewAccessKeyId());
    ASSIGN_OR_RETURN(k.secret, box_->Seal(out.secret, k.access_key_id, user_id));
    inserted = store_.Insert(k, max_keys_);
  }
  RETURN_IF_ERROR(inserted);
  k.secret = SealedS3Secret{};
  k.sealed = SealedKey{};
  audit_.RecordInternal(user_id, "auth.s3_key.create", k.access_key_id, "success", source_ip);
  return out;
}

absl::StatusOr<std::vector<S3KeyRecord>> S3Keys::List(const std::string& user_id) {
  return store_.ListLive(user_id);
}

absl::Status S3Keys::Revoke(const std::string& user_id, const std::string& access_key_id,
                            const std::string& source_ip) {
  if (!IsAccessKeyId(access_key_id)) return absl::NotFoundError("no such S3 key");
  RETURN_IF_ERROR(store_.Revoke(user_id, access_key_id));
  absl::Status published = events_.S3KeyRevoked(user_id, access_key_id);
  if (!published.ok()) {
    // Gateways still stop honouring the key when their signing-key cache entry expires.
    log::Warn("auth.credential.revoked not published", {{"error", published.ToString()}});
  }
  audit_.RecordInternal(user_id, "auth.s3_key.revoke", access_key_id, "success", source_ip);
  return absl::OkStatus();
}

absl::StatusOr<VerifiedS3Signature> S3Keys::Verify(const std::string& access_key_id,
                                                   const S3Scope& scope,
                                                   const std::string& string_to_sign,
                                                   const std::string& signature) {
  if (!box_) return NotConfigured();
  if (scope.date.size() != 8 || !IsScopePart(scope.date) || !IsScopePart(scope.region) ||
      !IsScopePart(scope.service)) {
    return absl::InvalidArgumentError("malformed credential scope");
  }
  if (signature.size() != 64) return absl::InvalidArgumentError("malformed signature");
  if (!IsAccessKeyId(access_key_id)) return absl::UnauthenticatedError(kUnknownAccessKeyMessage);
  ASSIGN_OR_RETURN(std::optional<S3KeyRecord> key, store_.FindLive(access_key_id));
  if (!key) return absl::UnauthenticatedError(kUnknownAccessKeyMessage);
  absl::StatusOr<crypto::SecretBytes> secret = box_->Open(key->secret, access_key_id, key->user_id);
  if (absl::IsDataLoss(secret.status())) {
    // A wrong server key or an altered row: the key cannot verify anything.
    log::Error("sealed S3 secret does not open", {{"access_key_id", access_key_id}});
    return absl::UnauthenticatedError(kUnknownAccessKeyMessage);
  }
  RETURN_IF_ERROR(secret.status());
  ASSIGN_OR_RETURN(std::string signing_key, S3SigningKey(secret->view(), scope));
  ASSIGN_OR_RETURN(crypto::Sha256Digest mac, crypto::HmacSha256(signing_key, string_to_sign));
  if (!crypto::ConstantTimeEquals(crypto::HexEncode(crypto::AsStringView(mac)),
                                  absl::AsciiStrToLower(signature))) {
    return absl::UnauthenticatedError(kSignatureMismatchMessage);
  }
  absl::StatusOr<UserRecord> user = users_.FindById(key->user_id);
  if (absl::IsNotFound(user.status())) return absl::UnauthenticatedError(kUnknownAccessKeyMessage);
  RETURN_IF_ERROR(user.status());
  absl::StatusOr<crypto::SecretBytes> private_key =
      OpenWithSecret(key->sealed, secret->view(), SealPurpose::kS3Key, user->id);
  if (!private_key.ok()) {
    log::Error("S3 key's sealed private key does not open", {{"access_key_id", access_key_id}});
    return absl::UnauthenticatedError(kUnknownAccessKeyMessage);
  }
  ASSIGN_OR_RETURN(crypto::X25519PrivateKey pair,
                   crypto::X25519PrivateKey::FromBytes(private_key->view()));
  if (!crypto::ConstantTimeEquals(pair.public_key(), user->public_key)) {
    return absl::InternalError("unsealed private key does not match the public key");
  }
  if (!key->last_used_at || *key->last_used_at < absl::Now() - absl::Minutes(1)) {
    (void)store_.TouchLastUsed(access_key_id);
  }
  auto caller = std::make_shared<ValidatedCredential>();
  caller->user_id = user->id;
  caller->username = user->username;
  caller->role = user->role;
  caller->tier = user->tier;
  caller->private_key = std::make_shared<const crypto::SecretBytes>(*std::move(private_key));
  caller->public_key = user->public_key;
  caller->key_version = user->key_version;
  caller->kind = kKindS3Key;
  return VerifiedS3Signature{std::move(caller), std::move(signing_key)};
}

}  // namespace datamesh::auth
