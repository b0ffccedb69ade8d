#include "services/auth/account_recovery.h"

#include <optional>
#include <utility>

#include "services/auth/key_sealing.h"
#include "services/auth/recovery_code.h"
#include "shared/status/status.h"

namespace datamesh::auth {
namespace {

constexpr char kResetAction[] = "auth.password.reset";

absl::Status WrongRecovery() {
  return absl::UnauthenticatedError("invalid username or recovery code");
}

}  // namespace

AccountRecovery::AccountRecovery(crypto::ScryptParams scrypt, Accounts& accounts,
                                 UserStore& users, RecoveryStore& codes, LoginLimiter& limiter,
                                 Credentials& credentials, AuditLog& audit)
    : scrypt_(scrypt),
      accounts_(accounts),
      users_(users),
      codes_(codes),
      limiter_(limiter),
      credentials_(credentials),
      audit_(audit) {}

absl::StatusOr<NewRecoveryCodeResult> AccountRecovery::Create(const std::string& user_id,
                                                              const std::string& current_password,
                                                              const std::string& source_ip) {
  ASSIGN_OR_RETURN(Accounts::Unsealed unsealed,
                   accounts_.UnsealWithPassword(user_id, current_password, source_ip,
                                                "auth.recovery.create"));
  ASSIGN_OR_RETURN(RecoveryCode code, NewRecoveryCode());
  ASSIGN_OR_RETURN(SealedKey sealed, SealWithSecret(unsealed.private_key, code.normalized,
                                                    SealPurpose::kRecovery, user_id));
  ASSIGN_OR_RETURN(absl::Time created, codes_.Replace(user_id, sealed));
  audit_.RecordInternal(user_id, "auth.recovery.create", user_id, "success", source_ip);
  return NewRecoveryCodeResult{std::move(code.display), created};
}

absl::StatusOr<std::optional<absl::Time>> AccountRecovery::CreatedAt(const std::string& user_id) {
  ASSIGN_OR_RETURN(std::optional<RecoveryRecord> record, codes_.Find(user_id));
  if (!record) return std::optional<absl::Time>();
  return std::optional<absl::Time>(record->created_at);
}

absl::Status AccountRecovery::ResetPassword(const std::string& username, const std::string& code,
                                            const std::string& new_password,
                                            const std::string& source_ip) {
  if (username.empty() || code.empty()) {
    return absl::InvalidArgumentError("username and recoveryCode are required");
  }
  RETURN_IF_ERROR(ValidatePassword(new_password));
  ASSIGN_OR_RETURN(std::string normalized, NormalizeRecoveryCode(code));
  ASSIGN_OR_RETURN(LoginGate gate, limiter_.Check(username, source_ip));

  std::optional<UserRecord> user;
  if (ValidateUsername(username).ok()) {
    ASSIGN_OR_RETURN(user, users_.FindByUsername(username));
  }
  std::optional<RecoveryRecord> record;
  if (user) {
    ASSIGN_OR_RETURN(record, codes_.Find(user->id));
  }
  // Without a user or a code the key derivation and the open still run (on a copy that cannot
  // open), so the answer takes as long as for a wrong code.
  const SealedKey& sealed = record ? record->sealed : SealedKey{std::string(16, '\0'), ""};
  absl::StatusOr<crypto::SecretBytes> key = OpenWithSecret(
      sealed, normalized, SealPurpose::kRecovery, user ? user->id : std::string("anonymous"));
  const bool right = record.has_value() && key.ok();
  const absl::Status admitted = LoginLimiter::Admit(gate, right);
  if (!right) {
    RETURN_IF_ERROR(limiter_.RecordFailure(username, source_ip));
    audit_.RecordInternal(user ? user->id : "anonymous", kResetAction, user ? user->id : "",
                          admitted.ok() ? "failure:bad_recovery_code" : "failure:rate_limited",
                          source_ip);
    RETURN_IF_ERROR(admitted);
    return WrongRecovery();
  }
  RETURN_IF_ERROR(admitted);
  ASSIGN_OR_RETURN(std::string hash, crypto::HashPassword(new_password, scrypt_));
  ASSIGN_OR_RETURN(SealedKey password_sealed,
                   SealWithPassword(*key, new_password, scrypt_, user->id));
  RETURN_IF_ERROR(
      codes_.Redeem(user->id, record->sealed, hash, password_sealed, FormatKdf(scrypt_)));
  RETURN_IF_ERROR(limiter_.Reset(user->username, source_ip));
  audit_.RecordInternal(user->id, kResetAction, user->id, "success", source_ip);
  // Whoever held the old password may hold a session too: every one ends. API keys stay, as
  // after a password change; the user revokes them on the API keys page if in doubt.
  return credentials_.EndSessions(user->id, "");
}

}  // namespace datamesh::auth
