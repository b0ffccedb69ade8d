// AccountRecovery: recovery codes, and setting a new password with one.
//
// Every file key is wrapped for the user's X25519 key pair, whose private key is stored only
// sealed under secrets the user holds (key_sealing.h). A password reset the server performs on
// its own — by email link or by an admin — could not open that key: the account would come back
// with every existing file unreadable. So the way back is a recovery code: created while the user
// still knows their password, it seals one more copy of the private key; presenting it later
// opens that copy, which is then sealed under the new password. The server never keeps the code.
//
// Failed resets count towards the same lockouts as failed logins (LoginLimiter), and an unknown
// user, a user without a code and a wrong code give the same answer after the same work.
//
// Thread-safe. Everything passed to the constructor must outlive this object.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/auth/accounts.h"
#include "services/auth/audit_log.h"
#include "services/auth/credentials.h"
#include "services/auth/login_limiter.h"
#include "services/auth/recovery_store.h"
#include "services/auth/user_store.h"
#include "shared/crypto/password.h"

namespace datamesh::auth {

struct NewRecoveryCodeResult {
  std::string code;  // shown once
  absl::Time created_at;
};

class AccountRecovery {
 public:
  AccountRecovery(crypto::ScryptParams scrypt, Accounts& accounts, UserStore& users,
                  RecoveryStore& codes, LoginLimiter& limiter, Credentials& credentials,
                  AuditLog& audit);

  // A new code for the user, replacing any earlier one (see auth.proto CreateRecoveryCode).
  [[nodiscard]] absl::StatusOr<NewRecoveryCodeResult> Create(const std::string& user_id,
                                                             const std::string& current_password,
                                                             const std::string& source_ip);

  // When the user's code was created, or nullopt when there is none.
  [[nodiscard]] absl::StatusOr<std::optional<absl::Time>> CreatedAt(const std::string& user_id);

  // Sets `new_password` for `username`, proven by `code` (see auth.proto ResetPassword).
  [[nodiscard]] absl::Status ResetPassword(const std::string& username, const std::string& code,
                                           const std::string& new_password,
                                           const std::string& source_ip);

 private:
  const crypto::ScryptParams scrypt_;
  Accounts& accounts_;
  UserStore& users_;
  RecoveryStore& codes_;
  LoginLimiter& limiter_;
  Credentials& credentials_;
  AuditLog& audit_;
};

}  // namespace datamesh::auth
