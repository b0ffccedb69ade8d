#include "services/auth/accounts.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/auth/key_sealing.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/random.h"
#include "shared/crypto/x25519.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::auth {
namespace {

constexpr char kAdminUsername[] = "admin";
constexpr char kAdminEmail[] = "admin@datamesh.local";

absl::Status WrongPair() { return absl::UnauthenticatedError("invalid username or password"); }

bool IsValidTier(const std::string& tier) {
  bool ok = !tier.empty() && tier.size() <= 32;
  for (char c : tier)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
  return ok;
}

std::string EncodeUserCursor(const UserRecord& u) {
  return crypto::Base64Encode(absl::StrCat("u1:", absl::ToUnixMicros(u.created_at), ":", u.id),
                              crypto::Base64Variant::kUrlSafe);
}

absl::StatusOr<std::pair<absl::Time, std::string>> DecodeUserCursor(const std::string& cursor) {
  auto text = crypto::Base64Decode(cursor, crypto::Base64Variant::kUrlSafe);
  if (text.ok()) {
    std::vector<std::string> parts = absl::StrSplit(*text, ':');
    int64_t micros = 0;
    if (parts.size() == 3 && parts[0] == "u1" && absl::SimpleAtoi(parts[1], &micros) &&
        parts[2].size() == 36) {
      return std::make_pair(absl::FromUnixMicros(micros), parts[2]);
    }
  }
  return absl::InvalidArgumentError("malformed cursor");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Accounts>> Accounts::Create(AccountOptions options, UserStore& users,
                                                           LoginLimiter& limiter,
                                                           Credentials& credentials,
                                                           AuditLog& audit, AuthEvents& events) {
  ASSIGN_OR_RETURN(std::string dummy_password, crypto::RandomToken());
  ASSIGN_OR_RETURN(std::string dummy_hash, crypto::HashPassword(dummy_password, options.scrypt));
  return std::unique_ptr<Accounts>(
      new Accounts(options, dummy_hash, users, limiter, credentials, audit, events));
}

Accounts::Accounts(AccountOptions options, std::string dummy_hash, UserStore& users,
                   LoginLimiter& limiter, Credentials& credentials, AuditLog& audit,
                   AuthEvents& events)
    : options_(options),
      dummy_hash_(std::move(dummy_hash)),
      users_(users),
      limiter_(limiter),
      credentials_(credentials),
      audit_(audit),
      events_(events) {}

absl::StatusOr<UserRecord> Accounts::NewUser(const std::string& username, const std::string& email,
                                             const std::string& password, const std::string& role) {
  UserRecord u;
  ASSIGN_OR_RETURN(u.id, crypto::NewUuid());
  u.username = username;
  u.email = email;
  u.role = role;
  u.tier = kDefaultTier;
  ASSIGN_OR_RETURN(u.password_hash, crypto::HashPassword(password, options_.scrypt));
  ASSIGN_OR_RETURN(crypto::X25519PrivateKey pair, crypto::X25519PrivateKey::Generate());
  ASSIGN_OR_RETURN(crypto::SecretBytes private_key, pair.ToBytes());
  u.public_key = pair.public_key();
  u.key_kdf = FormatKdf(options_.scrypt);
  ASSIGN_OR_RETURN(u.password_sealed,
                   SealWithPassword(private_key, password, options_.scrypt, u.id));
  return u;
}

absl::StatusOr<UserRecord> Accounts::Register(const RegisterInput& in) {
  RETURN_IF_ERROR(ValidateUsername(in.username));
  RETURN_IF_ERROR(ValidateEmail(in.email));
  RETURN_IF_ERROR(ValidatePassword(in.password));
  ASSIGN_OR_RETURN(UserRecord user, NewUser(in.username, in.email, in.password, kRoleUser));
  RETURN_IF_ERROR(users_.Insert(user));
  ASSIGN_OR_RETURN(user, users_.FindById(user.id));  // created_at as stored
  audit_.RecordInternal(user.id, "auth.register", user.id, "success", in.source_ip);
  return user;
}

absl::StatusOr<LoginResult> Accounts::Login(const std::string& username,
                                            const std::string& password,
                                            const std::string& source_ip) {
  if (username.empty() || password.empty()) {
    return absl::InvalidArgumentError("username and password are required");
  }
  absl::StatusOr<LoginGate> gate = limiter_.Check(username, source_ip);
  if (absl::IsResourceExhausted(gate.status())) {
    audit_.RecordInternal("anonymous", "auth.login", "", "failure:rate_limited", source_ip);
  }
  RETURN_IF_ERROR(gate.status());
  std::optional<UserRecord> user;
  if (ValidateUsername(username).ok()) {
    ASSIGN_OR_RETURN(user, users_.FindByUsername(username));
  }
  // An oversized password is wrong for everyone; it still costs one verification, against the
  // dummy hash, like an unknown user.
  bool oversized = password.size() > kMaxPasswordBytes;
  if (oversized) user.reset();
  std::string_view candidate = std::string_view(password).substr(0, kMaxPasswordBytes);
  absl::Status verified =
      crypto::VerifyPassword(candidate, user ? user->password_hash : dummy_hash_);
  const bool right = user.has_value() && verified.ok();
  if (user && !right && !absl::IsUnauthenticated(verified)) {
    log::Error("stored password hash unusable", {{"user_id", user->id}});
  }
  // From a suspect address only a right password for an account without failures gets in; the
  // verification above ran anyway, so the answer's timing tells nothing either.
  absl::Status admitted = LoginLimiter::Admit(*gate, right);
  if (right && admitted.ok()) return FinishLogin(*std::move(user), password, source_ip);
  // A right password refused only for where it came from is not a guess: it counts no failure.
  if (!right) RETURN_IF_ERROR(limiter_.RecordFailure(username, source_ip));
  audit_.RecordInternal(user ? user->id : "anonymous", "auth.login", user ? user->id : "",
                        admitted.ok() ? "failure:bad_credentials" : "failure:rate_limited",
                        source_ip);
  RETURN_IF_ERROR(admitted);
  return WrongPair();
}

absl::StatusOr<LoginResult> Accounts::FinishLogin(UserRecord user, const std::string& password,
                                                  const std::string& source_ip) {
  RETURN_IF_ERROR(limiter_.Reset(user.username, source_ip));
  if (crypto::NeedsRehash(user.password_hash, options_.scrypt)) {
    auto rehashed = crypto::HashPassword(password, options_.scrypt);
    if (rehashed.ok() && users_.UpdatePasswordHash(user.id, *rehashed).ok()) {
      user.password_hash = *rehashed;
    }
  }
  absl::StatusOr<crypto::SecretBytes> key =
      OpenWithPassword(user.password_sealed, password, user.key_kdf, user.id);
  if (!key.ok()) {
    log::Error("password-sealed key does not open", {{"user_id", user.id}});
    return absl::InternalError("the account's key material is damaged");
  }
  ASSIGN_OR_RETURN(NewSession session, credentials_.OpenSession(user, *key));
  audit_.RecordInternal(user.id, "auth.login", user.id, "success", source_ip);
  (void)events_.Login(user, source_ip, session.expires_at);
  return LoginResult{std::move(session), std::move(user)};
}

absl::StatusOr<Accounts::Unsealed> Accounts::UnsealWithPassword(const std::string& user_id,
                                                               const std::string& password,
                                                               const std::string& source_ip,
                                                               const std::string& action) {
  ASSIGN_OR_RETURN(UserRecord user, users_.FindById(user_id));
  ASSIGN_OR_RETURN(LoginGate gate, limiter_.Check(user.username, source_ip));
  const bool right = password.size() <= kMaxPasswordBytes &&
                     crypto::VerifyPassword(password, user.password_hash).ok();
  const absl::Status admitted = LoginLimiter::Admit(gate, right);
  if (!right) {
    RETURN_IF_ERROR(limiter_.RecordFailure(user.username, source_ip));
    RETURN_IF_ERROR(admitted);
    audit_.RecordInternal(user.id, action, user.id, "failure:bad_password", source_ip);
    return absl::PermissionDeniedError("current password is wrong");
  }
  RETURN_IF_ERROR(admitted);
  RETURN_IF_ERROR(limiter_.Reset(user.username, source_ip));
  ASSIGN_OR_RETURN(crypto::SecretBytes key,
                   OpenWithPassword(user.password_sealed, password, user.key_kdf, user.id));
  return Unsealed{std::move(user), std::move(key)};
}

absl::Status Accounts::ChangePassword(const std::string& user_id,
                                      const std::string& current_password,
                                      const std::string& new_password, bool revoke_other_sessions,
                                      const std::string& current_secret,
                                      const std::string& source_ip) {
  RETURN_IF_ERROR(ValidatePassword(new_password));
  ASSIGN_OR_RETURN(Unsealed unsealed, UnsealWithPassword(user_id, current_password, source_ip,
                                                         "auth.password.change"));
  const UserRecord& user = unsealed.user;
  ASSIGN_OR_RETURN(std::string hash, crypto::HashPassword(new_password, options_.scrypt));
  ASSIGN_OR_RETURN(SealedKey sealed,
                   SealWithPassword(unsealed.private_key, new_password, options_.scrypt, user.id));
  RETURN_IF_ERROR(users_.UpdatePassword(user.id, hash, sealed, FormatKdf(options_.scrypt)));
  audit_.RecordInternal(user.id, "auth.password.change", user.id, "success", source_ip);
  if (revoke_other_sessions) {
    std::string keep;
    if (!current_secret.empty()) {
      ASSIGN_OR_RETURN(keep, TokenHash(current_secret));
    }
    RETURN_IF_ERROR(credentials_.EndSessions(user.id, keep));
  }
  return absl::OkStatus();
}

absl::StatusOr<UserRecord> Accounts::GetProfile(const std::string& user_id) {
  return users_.FindById(user_id);
}

absl::Status Accounts::RequireAdmin(const std::string& actor_id) {
  absl::StatusOr<UserRecord> actor = users_.FindById(actor_id);
  if (absl::IsNotFound(actor.status()) || (actor.ok() && actor->role != kRoleAdmin)) {
    return absl::PermissionDeniedError("admin role required");
  }
  return actor.status();
}

absl::StatusOr<Page<UserRecord>> Accounts::ListUsers(const std::string& actor_id, int limit,
                                                     const std::string& cursor) {
  RETURN_IF_ERROR(RequireAdmin(actor_id));
  std::optional<std::pair<absl::Time, std::string>> after;
  if (!cursor.empty()) {
    ASSIGN_OR_RETURN(after, DecodeUserCursor(cursor));
  }
  ASSIGN_OR_RETURN(std::vector<UserRecord> users, users_.List(after, limit + 1));
  Page<UserRecord> page;
  if (static_cast<int>(users.size()) > limit) {
    users.resize(limit);
    if (limit > 0) page.next_cursor = EncodeUserCursor(users.back());
  }
  page.items = std::move(users);
  return page;
}

absl::StatusOr<UserRecord> Accounts::UpdateUser(const std::string& actor_id,
                                                const std::string& user_id,
                                                const std::optional<std::string>& role,
                                                const std::optional<std::string>& tier,
                                                const std::string& source_ip) {
  RETURN_IF_ERROR(RequireAdmin(actor_id));
  if (!role && !tier) return absl::InvalidArgumentError("set role and/or tier");
  if (role && *role != kRoleUser && *role != kRoleAdmin) {
    return absl::InvalidArgumentError("role must be \"user\" or \"admin\"");
  }
  if (tier && !IsValidTier(*tier)) {
    return absl::InvalidArgumentError("tier must be 1-32 of a-z 0-9 _ -");
  }
  absl::StatusOr<UserRecord> updated = users_.UpdateRoleTier(user_id, role, tier);
  std::string outcome =
      updated.ok() ? "success"
                   : absl::StrCat("failure:", absl::StatusCodeToString(updated.status().code()));
  audit_.RecordInternal(actor_id, "auth.user.update", user_id, outcome, source_ip);
  RETURN_IF_ERROR(updated.status());
  credentials_.ForgetUser(user_id);
  (void)events_.UserUpdated(*updated, actor_id);
  return updated;
}

absl::StatusOr<std::optional<std::string>> Accounts::EnsureFirstAdmin(const std::string& password) {
  ASSIGN_OR_RETURN(bool any, users_.AnyAdmin());
  if (any) return std::optional<std::string>();
  std::string chosen = password;
  if (chosen.empty()) {
    ASSIGN_OR_RETURN(chosen, crypto::RandomToken());
  }
  if (!ValidatePassword(chosen).ok()) {
    return absl::InvalidArgumentError("the admin password must be 8-1024 bytes");
  }
  ASSIGN_OR_RETURN(UserRecord admin, NewUser(kAdminUsername, kAdminEmail, chosen, kRoleAdmin));
  ASSIGN_OR_RETURN(bool inserted, users_.InsertIfUsernameFree(admin));
  if (!inserted) {
    // Another replica won the race (fine), or a non-admin account holds the name (reported).
    ASSIGN_OR_RETURN(any, users_.AnyAdmin());
    if (!any) log::Error("no admin exists and the username \"admin\" is taken by a user");
    return std::optional<std::string>();
  }
  audit_.RecordInternal("system", "auth.register", admin.id, "success", "");
  (void)events_.UserUpdated(admin, "");
  if (!password.empty()) return std::optional<std::string>();
  return std::optional<std::string>(chosen);
}

}  // namespace datamesh::auth
