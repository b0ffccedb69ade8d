// Accounts: registration, login, password change, profiles and the admin's view of users.
//
// Passwords are hashed with scrypt (crypto/password.h: per-user salt, parameters stored in the
// hash, rehashed on login when the parameters change). Each account owns an X25519 key pair
// whose private key is stored only sealed (key_sealing.h).
//
// Login does the same work and gives the same answer for an unknown user as for a wrong
// password: an unknown name is verified against a dummy hash made with the same parameters,
// and failures of both kinds count towards the same lockouts (LoginLimiter).
//
// Thread-safe. Everything passed to the constructor must outlive this object.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/auth/audit_log.h"
#include "services/auth/auth_events.h"
#include "services/auth/auth_types.h"
#include "services/auth/credentials.h"
#include "services/auth/login_limiter.h"
#include "services/auth/user_store.h"
#include "shared/crypto/password.h"
#include "shared/crypto/secret.h"

namespace datamesh::auth {

struct AccountOptions {
  // Used for password hashes and for the password-derived sealing key. Tests lower N.
  crypto::ScryptParams scrypt;
};

struct RegisterInput {
  std::string username;
  std::string email;
  std::string password;
  std::string source_ip;
};

struct LoginResult {
  NewSession session;
  UserRecord user;
};

class Accounts {
 public:
  // Computes the dummy hash (one scrypt run). Fails only if hashing fails.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Accounts>> Create(
      AccountOptions options, UserStore& users, LoginLimiter& limiter, Credentials& credentials,
      AuditLog& audit, AuthEvents& events);

  // INVALID_ARGUMENT: bad username, email or password. ALREADY_EXISTS: username/email taken.
  [[nodiscard]] absl::StatusOr<UserRecord> Register(const RegisterInput& input);

  // INVALID_ARGUMENT: empty username or password. UNAUTHENTICATED: wrong pair (or unknown
  // user). RESOURCE_EXHAUSTED (RetryAfter): locked out.
  [[nodiscard]] absl::StatusOr<LoginResult> Login(const std::string& username,
                                                  const std::string& password,
                                                  const std::string& source_ip);

  // INVALID_ARGUMENT: bad new password. NOT_FOUND: no such user. PERMISSION_DENIED: current
  // password wrong. RESOURCE_EXHAUSTED: locked out by failed attempts. `current_secret` (may be
  // empty) is the bearer secret of the request; with revoke_other_sessions, its session stays.
  [[nodiscard]] absl::Status ChangePassword(const std::string& user_id,
                                            const std::string& current_password,
                                            const std::string& new_password,
                                            bool revoke_other_sessions,
                                            const std::string& current_secret,
                                            const std::string& source_ip);

  // The user and their private key, opened with `password` — the check a sensitive change
  // makes, counted by the login lockout like a login (a failure is audited as `action`).
  // NOT_FOUND: no such user. PERMISSION_DENIED: wrong password. RESOURCE_EXHAUSTED: locked out.
  struct Unsealed {
    UserRecord user;
    crypto::SecretBytes private_key;
  };
  [[nodiscard]] absl::StatusOr<Unsealed> UnsealWithPassword(const std::string& user_id,
                                                            const std::string& password,
                                                            const std::string& source_ip,
                                                            const std::string& action);

  // NOT_FOUND: no such user.
  [[nodiscard]] absl::StatusOr<UserRecord> GetProfile(const std::string& user_id);

  // PERMISSION_DENIED unless `actor_id` is an admin.
  [[nodiscard]] absl::Status RequireAdmin(const std::string& actor_id);

  // Admin listing, oldest first. PERMISSION_DENIED; INVALID_ARGUMENT for a bad cursor.
  [[nodiscard]] absl::StatusOr<Page<UserRecord>> ListUsers(const std::string& actor_id, int limit,
                                                           const std::string& cursor);

  // Admin change of role and/or tier (see auth.proto UpdateUser for the codes).
  [[nodiscard]] absl::StatusOr<UserRecord> UpdateUser(const std::string& actor_id,
                                                      const std::string& user_id,
                                                      const std::optional<std::string>& role,
                                                      const std::optional<std::string>& tier,
                                                      const std::string& source_ip);

  // Creates the user "admin" (role admin) if no admin exists. With `password` empty a random
  // one is generated and returned (once: only by the call that actually created the account);
  // otherwise returns nullopt. Race-free between replicas.
  [[nodiscard]] absl::StatusOr<std::optional<std::string>> EnsureFirstAdmin(
      const std::string& password);

 private:
  Accounts(AccountOptions options, std::string dummy_hash, UserStore& users, LoginLimiter& limiter,
           Credentials& credentials, AuditLog& audit, AuthEvents& events);

  absl::StatusOr<UserRecord> NewUser(const std::string& username, const std::string& email,
                                     const std::string& password, const std::string& role);
  absl::StatusOr<LoginResult> FinishLogin(UserRecord user, const std::string& password,
                                          const std::string& source_ip);

  const AccountOptions options_;
  const std::string dummy_hash_;
  UserStore& users_;
  LoginLimiter& limiter_;
  Credentials& credentials_;
  AuditLog& audit_;
  AuthEvents& events_;
};

// Longest password accepted: scrypt's cost does not depend on it, but the request size does.
inline constexpr size_t kMaxPasswordBytes = 1024;

// Input rules (exposed for tests). Each returns INVALID_ARGUMENT with a clear message.
[[nodiscard]] absl::Status ValidateUsername(const std::string& username);
[[nodiscard]] absl::Status ValidateEmail(const std::string& email);
[[nodiscard]] absl::Status ValidatePassword(const std::string& password);

}  // namespace datamesh::auth
