// S3Keys: S3 access keys — creating, listing and revoking them, and verifying SigV4 signatures
// made with them for the gateway (VerifyS3Signature).
//
// An S3 key is an access key id (20 of [A-Z0-9], "DM" first) and a 40-character secret shown
// once. The secret is kept sealed under the server key (S3SecretBox); a copy of the user's
// private key is sealed under a key derived from the secret (key_sealing.h, kS3Key), so a
// verified signature also unlocks the key the S3 request needs, as a bearer secret does.
// Without a server key every S3 key operation answers FAILED_PRECONDITION
// (kS3NotConfiguredMessage); the rest of auth works.
//
// Verification answers the scoped signing key, never the secret: it only signs for one
// (date, region, service).
//
// Thread-safe. Everything passed to the constructor must outlive this object.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/auth/audit_log.h"
#include "services/auth/auth_events.h"
#include "services/auth/credentials.h"
#include "services/auth/s3_key_store.h"
#include "services/auth/s3_secret_box.h"
#include "services/auth/user_store.h"

namespace datamesh::auth {

inline constexpr char kKindS3Key[] = "s3_key";
inline constexpr char kS3NotConfiguredMessage[] = "S3 keys are not configured on this server";
// UNAUTHENTICATED messages, mapped by the adapter to dm-error-code values.
inline constexpr char kUnknownAccessKeyMessage[] = "unknown or revoked S3 access key";
inline constexpr char kSignatureMismatchMessage[] = "S3 signature does not match";

struct NewS3Key {
  S3KeyRecord record;
  std::string secret;  // shown once
};

// The scope a SigV4 signature is made for.
struct S3Scope {
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;
};

struct VerifiedS3Signature {
  std::shared_ptr<const ValidatedCredential> caller;
  std::string signing_key;  // 32 raw bytes
};

class S3Keys {
 public:
  // `box` is nullopt when the server has no S3 key.
  S3Keys(std::optional<S3SecretBox> box, int max_keys, S3KeyStore& store, UserStore& users,
         Credentials& credentials, AuditLog& audit, AuthEvents& events);

  // Creates a key for `user_id`; `caller_secret` (the request's bearer secret, the same user's)
  // unseals the private key the new key gets a copy of. INVALID_ARGUMENT: bad name.
  // UNAUTHENTICATED / PERMISSION_DENIED: no, invalid or another user's secret.
  // RESOURCE_EXHAUSTED: too many live keys. FAILED_PRECONDITION: not configured.
  [[nodiscard]] absl::StatusOr<NewS3Key> Create(const std::string& user_id, const std::string& name,
                                                const std::string& caller_secret,
                                                const std::string& source_ip);
  [[nodiscard]] absl::StatusOr<std::vector<S3KeyRecord>> List(const std::string& user_id);
  // NOT_FOUND: no such live key of this user. Publishes auth.credential.revoked.
  [[nodiscard]] absl::Status Revoke(const std::string& user_id, const std::string& access_key_id,
                                    const std::string& source_ip);

  // Checks `signature` (64 hex) over `string_to_sign` with the key's secret under `scope`.
  // UNAUTHENTICATED (kUnknownAccessKeyMessage / kSignatureMismatchMessage), INVALID_ARGUMENT
  // (malformed scope or signature), FAILED_PRECONDITION (not configured).
  [[nodiscard]] absl::StatusOr<VerifiedS3Signature> Verify(const std::string& access_key_id,
                                                           const S3Scope& scope,
                                                           const std::string& string_to_sign,
                                                           const std::string& signature);

 private:
  absl::StatusOr<std::string> NewAccessKeyId() const;

  const std::optional<S3SecretBox> box_;
  const int max_keys_;
  S3KeyStore& store_;
  UserStore& users_;
  Credentials& credentials_;
  AuditLog& audit_;
  AuthEvents& events_;
};

// The SigV4 signing key of `secret` for `scope`: HMAC-SHA256 chain over "AWS4"+secret, date,
// region, service, "aws4_request".
[[nodiscard]] absl::StatusOr<std::string> S3SigningKey(std::string_view secret,
                                                       const S3Scope& scope);

}  // namespace datamesh::auth
