#include "services/auth/credentials.h"

#include "absl/strings/match.h"
#include "services/auth/key_sealing.h"
#include "shared/crypto/compare.h"
#include "shared/crypto/hash.h"
#include "shared/crypto/random.h"
#include "shared/crypto/x25519.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::auth {
namespace {

constexpr size_t kMaxTokenSize = 256;
constexpr size_t kMaxKeyNameChars = 128;

absl::Status Unauthenticated() {
  return absl::UnauthenticatedError("invalid or expired credential");
}

size_t Utf8Chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

absl::Status ValidateKeyName(const std::string& name) {
  if (name.empty() || Utf8Chars(name) > kMaxKeyNameChars || name.size() > 4 * kMaxKeyNameChars) {
    return absl::InvalidArgumentError("API key name must be 1-128 characters");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("API key name contains control characters");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> TokenHash(const std::string& token) { return crypto::Sha256Hex(token); }

Credentials::Credentials(CredentialOptions options, UserStore& users, SessionStore& sessions,
                         ApiKeyStore& api_keys, AuditLog& audit, AuthEvents& events)
    : options_(options),
      users_(users),
      sessions_(sessions),
      api_keys_(api_keys),
      audit_(audit),
      events_(events),
      cache_(options.cache_ttl, options.cache_capacity) {}

absl::StatusOr<NewSession> Credentials::OpenSession(const UserRecord& user,
                                                    const crypto::SecretBytes& private_key) {
  NewSession out;
  ASSIGN_OR_RETURN(out.token, crypto::RandomToken());
  ASSIGN_OR_RETURN(std::string hash, TokenHash(out.token));
  SessionRecord session;
  session.user_id = user.id;
  // Microsecond precision, as stored.
  session.expires_at = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now() + options_.session_ttl));
  ASSIGN_OR_RETURN(session.sealed,
                   SealWithSecret(private_key, out.token, SealPurpose::kSession, user.id));
  RETURN_IF_ERROR(sessions_.Put(hash, session));
  out.expires_at = session.expires_at;
  return out;
}

absl::Status Credentials::Logout(const std::string& token, const std::string& source_ip) {
  if (token.empty() || token.size() > kMaxTokenSize) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::string hash, TokenHash(token));
  ASSIGN_OR_RETURN(std::optional<SessionRecord> session, sessions_.Take(hash));
  if (!session) return absl::OkStatus();
  Revoked(session->user_id, hash, kKindSession, "");
  (void)events_.Logout(session->user_id, hash);
  audit_.RecordInternal(session->user_id, "auth.logout", session->user_id, "success", source_ip);
  return absl::OkStatus();
}

void Credentials::Revoked(const std::string& user_id, const std::string& hash,
                          const std::string& kind, const std::string& key_id) {
  revocations_.fetch_add(1);
  cache_.Erase(hash);
  (void)events_.CredentialRevoked(user_id, hash, kind, key_id);
}

absl::StatusOr<std::shared_ptr<const ValidatedCredential>> Credentials::Validate(
    const std::string& token) {
  if (token.empty() || token.size() > kMaxTokenSize) return Unauthenticated();
  ASSIGN_OR_RETURN(std::string hash, TokenHash(token));
  absl::Time now = absl::Now();
  if (auto hit = cache_.Get(hash, now)) return hit;
  uint64_t generation = revocations_.load();
  ASSIGN_OR_RETURN(std::shared_ptr<const ValidatedCredential> credential, Resolve(token, hash));
  // A revocation that ran meanwhile may concern this very secret: answer, but do not cache.
  if (revocations_.load() == generation) cache_.Put(hash, credential, now);
  return credential;
}

absl::StatusOr<std::shared_ptr<const ValidatedCredential>> Credentials::Resolve(
    const std::string& token, const std::string& hash) {
  bool api_key = absl::StartsWith(token, kApiKeyPrefix);
  SealedKey sealed;
  std::string user_id, key_id;
  std::optional<absl::Time> expires_at;
  if (api_key) {
    ASSIGN_OR_RETURN(std::optional<ApiKeyRecord> key, api_keys_.FindLiveByHash(hash));
    if (!key) return Unauthenticated();
    user_id = key->user_id;
    key_id = key->id;
    sealed = key->sealed;
    if (!key->last_used_at || *key->last_used_at < absl::Now() - absl::Minutes(1)) {
      (void)api_keys_.TouchLastUsed(key->id);
    }
  } else {
    ASSIGN_OR_RETURN(std::optional<SessionRecord> session, sessions_.Get(hash));
    if (!session || session->expires_at <= absl::Now()) return Unauthenticated();
    user_id = session->user_id;
    sealed = session->sealed;
    expires_at = session->expires_at;
  }
  absl::StatusOr<UserRecord> user = users_.FindById(user_id);
  if (absl::IsNotFound(user.status())) return Unauthenticated();
  RETURN_IF_ERROR(user.status());
  ASSIGN_OR_RETURN(std::shared_ptr<const ValidatedCredential> built,
                   Build(*user, sealed, token, api_key));
  auto credential = std::make_shared<ValidatedCredential>(*built);
  credential->api_key_id = key_id;
  credential->expires_at = expires_at;
  return std::shared_ptr<const ValidatedCredential>(std::move(credential));
}

absl::StatusOr<std::shared_ptr<const ValidatedCredential>> Credentials::Build(
    const UserRecord& user, const SealedKey& sealed, const std::string& token, bool api_key) {
  absl::StatusOr<crypto::SecretBytes> key = OpenWithSecret(
      sealed, token, api_key ? SealPurpose::kApiKey : SealPurpose::kSession, user.id);
  if (absl::IsDataLoss(key.status())) {
    // The hash matched but the sealed copy does not open: it was altered at rest.
    log::Error("sealed key copy does not open", {{"user_id", user.id}});
    return Unauthenticated();
  }
  RETURN_IF_ERROR(key.status());
  ASSIGN_OR_RETURN(crypto::X25519PrivateKey pair, crypto::X25519PrivateKey::FromBytes(key->view()));
  if (!crypto::ConstantTimeEquals(pair.public_key(), user.public_key)) {
    return absl::InternalError("unsealed private key does not match the public key");
  }
  auto c = std::make_shared<ValidatedCredential>();
  c->user_id = user.id;
  c->username = user.username;
  c->role = user.role;
  c->tier = user.tier;
  c->private_key = std::make_shared<const crypto::SecretBytes>(*std::move(key));
  c->public_key = user.public_key;
  c->key_version = user.key_version;
  c->kind = api_key ? kKindApiKey : kKindSession;
  return std::shared_ptr<const ValidatedCredential>(std::move(c));
}

absl::StatusOr<NewApiKey> Credentials::CreateApiKey(const std::string& user_id,
                                                    const std::string& name,
                                                    const std::string& caller_secret,
                                                    const std::string& source_ip) {
  RETURN_IF_ERROR(ValidateKeyName(name));
  if (caller_secret.empty()) {
    return absl::UnauthenticatedError(
        "creating an API key needs the caller's bearer secret (authorization metadata)");
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const ValidatedCredential> caller, Validate(caller_secret));
  if (caller->user_id != user_id) {
    return absl::PermissionDeniedError("the bearer secret belongs to another user");
  }
  NewApiKey out;
  ASSIGN_OR_RETURN(std::string random, crypto::RandomToken());
  out.secret = kApiKeyPrefix + random;
  ApiKeyRecord& k = out.record;
  ASSIGN_OR_RETURN(k.id, crypto::NewUuid());
  k.user_id = user_id;
  k.name = name;
  ASSIGN_OR_RETURN(k.key_hash, TokenHash(out.secret));
  ASSIGN_OR_RETURN(k.sealed,
                   SealWithSecret(*caller->private_key, out.secret, SealPurpose::kApiKey, user_id));
  RETURN_IF_ERROR(api_keys_.Insert(k, options_.max_api_keys));
  k.sealed = SealedKey{};
  audit_.RecordInternal(user_id, "auth.api_key.create", k.id, "success", source_ip);
  return out;
}

absl::StatusOr<std::vector<ApiKeyRecord>> Credentials::ListApiKeys(const std::string& user_id) {
  return api_keys_.ListLive(user_id);
}

absl::Status Credentials::RevokeApiKey(const std::string& user_id, const std::string& key_id,
                                       const std::string& source_ip) {
  ASSIGN_OR_RETURN(std::string hash, api_keys_.Revoke(user_id, key_id));
  Revoked(user_id, hash, kKindApiKey, key_id);
  audit_.RecordInternal(user_id, "auth.api_key.revoke", key_id, "success", source_ip);
  return absl::OkStatus();
}

absl::Status Credentials::EndSessions(const std::string& user_id, const std::string& keep_hash) {
  ASSIGN_OR_RETURN(std::vector<std::string> hashes, sessions_.ListForUser(user_id));
  for (const std::string& hash : hashes) {
    if (hash == keep_hash) continue;
    ASSIGN_OR_RETURN(std::optional<SessionRecord> session, sessions_.Take(hash));
    if (session) Revoked(user_id, hash, kKindSession, "");
  }
  return absl::OkStatus();
}

void Credentials::ForgetToken(const std::string& token_hash) {
  revocations_.fetch_add(1);
  cache_.Erase(token_hash);
}

void Credentials::ForgetUser(const std::string& user_id) {
  revocations_.fetch_add(1);
  cache_.EraseUser(user_id);
}

}  // namespace datamesh::auth
