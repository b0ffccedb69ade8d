#include "services/auth/auth_core.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::auth {

void RegisterFlags(config::FlagSet& f, AuthOptions& o) {
  f.AddString("admin-password", &o.admin_password,
              "password of the first admin, created at first start when no admin exists; empty: "
              "a random one is printed once to stderr");
  f.AddDuration("session-ttl", &o.session_ttl, "lifetime of a login session");
  f.AddDuration("token-cache-ttl", &o.token_cache_ttl,
                "how long a validated token is cached in-process");
  f.AddInt("token-cache-capacity", &o.token_cache_capacity, "most cached validated tokens");
  f.AddInt("max-api-keys", &o.max_api_keys, "most live API keys per user");
  f.AddInt("login-max-failures", &o.login_max_failures,
           "failed logins per account (from any address) within the window before its back-off "
           "starts");
  f.AddDuration("login-backoff", &o.login_backoff,
                "an account's first lock after --login-max-failures; doubled per further failure");
  f.AddDuration("login-max-backoff", &o.login_max_backoff, "longest lock of an account");
  f.AddInt("login-max-failures-per-client", &o.login_max_failures_per_client,
           "failed logins per (account, source address) within the window before that pair is "
           "locked for the rest of it");
  f.AddInt("login-max-failures-per-address", &o.login_max_failures_per_address,
           "failed logins per source address within the window after which only a right "
           "password for an account without failures gets in from it");
  f.AddDuration("login-window", &o.login_window, "window of the failed-login counters");
  f.AddInt("scrypt-log2-n", &o.scrypt_log2_n,
           "scrypt cost as log2(N) for new password hashes (default 15)");
  f.AddString("s3-secret-key", &o.s3_secret_key,
              "server key sealing S3 secrets, base64 of 32 bytes (give it as DM_S3_SECRET_KEY or "
              "in --s3-secret-key-file, not on the command line); unset: S3 keys are off");
  f.AddString("s3-secret-key-file", &o.s3_secret_key_file,
              "file holding the S3 server key (base64 of 32 bytes)");
  f.AddInt("max-s3-keys", &o.max_s3_keys, "most live S3 keys per user");
}

namespace {

LoginLimits LoginLimitsFrom(const AuthOptions& o) {
  LoginLimits limits;
  limits.account_free_failures = static_cast<int>(o.login_max_failures);
  limits.account_base_delay = o.login_backoff;
  limits.account_max_delay = o.login_max_backoff;
  limits.max_failures_per_pair = static_cast<int>(o.login_max_failures_per_client);
  limits.max_failures_per_address = static_cast<int>(o.login_max_failures_per_address);
  limits.window = o.login_window;
  return limits;
}

}  // namespace

AuthCore::AuthCore(const AuthOptions& options, pg::Pool& pg, redis::RedisPool& redis, bus::Bus* bus,
                   std::string source)
    : options_(options),
      bus_(bus),
      users_(pg),
      sessions_(redis),
      api_keys_(pg),
      recovery_codes_(pg),
      audit_store_(pg),
      s3_key_store_(pg),
      limiter_(redis, LoginLimitsFrom(options)),
      events_(bus, std::move(source)) {}

AuthCore::~AuthCore() { Stop(); }

absl::StatusOr<std::unique_ptr<AuthCore>> AuthCore::Create(const AuthOptions& options, pg::Pool& pg,
                                                           redis::RedisPool& redis, bus::Bus* bus,
                                                           std::string source) {
  if (options.scrypt_log2_n < 1 || options.scrypt_log2_n > 20 || options.max_api_keys < 1 ||
      options.login_max_failures < 1 || options.login_max_failures_per_address < 1 ||
      options.login_max_failures_per_client < 1 || options.login_backoff < absl::Milliseconds(1) ||
      options.login_max_backoff < options.login_backoff ||
      options.session_ttl <= absl::ZeroDuration() || options.login_window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("auth options out of range");
  }
  if (options.max_s3_keys < 1) return absl::InvalidArgumentError("--max-s3-keys must be >= 1");
  std::optional<S3SecretBox> s3_box;
  if (!options.s3_secret_key.empty() && !options.s3_secret_key_file.empty()) {
    return absl::InvalidArgumentError("give --s3-secret-key or --s3-secret-key-file, not both");
  }
  if (!options.s3_secret_key.empty()) {
    ASSIGN_OR_RETURN(s3_box, S3SecretBox::FromBase64(options.s3_secret_key));
  } else if (!options.s3_secret_key_file.empty()) {
    ASSIGN_OR_RETURN(s3_box, S3SecretBox::FromFile(options.s3_secret_key_file));
  }
  if (!s3_box) log::Info("S3 keys are off: no --s3-secret-key(-file)", {});
  std::unique_ptr<AuthCore> core(new AuthCore(options, pg, redis, bus, std::move(source)));
  core->audit_ = std::make_unique<AuditLog>(core->audit_store_, core->events_);
  CredentialOptions co;
  co.session_ttl = options.session_ttl;
  co.cache_ttl = options.token_cache_ttl;
  co.cache_capacity = static_cast<size_t>(std::max<int64_t>(options.token_cache_capacity, 0));
  co.max_api_keys = static_cast<int>(options.max_api_keys);
  core->credentials_ = std::make_unique<Credentials>(co, core->users_, core->sessions_,
                                                     core->api_keys_, *core->audit_, core->events_);
  AccountOptions ao;
  ao.scrypt.n = uint64_t{1} << options.scrypt_log2_n;
  ASSIGN_OR_RETURN(core->accounts_,
                   Accounts::Create(ao, core->users_, core->limiter_, *core->credentials_,
                                    *core->audit_, core->events_));
  core->recovery_ = std::make_unique<AccountRecovery>(
      ao.scrypt, *core->accounts_, core->users_, core->recovery_codes_, core->limiter_,
      *core->credentials_, *core->audit_);
  core->s3_keys_ = std::make_unique<S3Keys>(
      std::move(s3_box), static_cast<int>(options.max_s3_keys), core->s3_key_store_,
      core->users_, *core->credentials_, *core->audit_, core->events_);
  core->service_ = std::make_unique<AuthServiceImpl>(*core->accounts_, *core->recovery_,
                                                     *core->credentials_, *core->audit_,
                                                     *core->s3_keys_);
  return core;
}

absl::Status AuthCore::Subscribe() {
  // Other replicas' revocations and role changes: drop what this process has cached.
  ASSIGN_OR_RETURN(revoked_sub_, bus_->SubscribeEvents(bus::SubjectFor("auth.credential.revoked"),
                                                       "", [this](const events::v1::Event& e) {
                                                         if (e.has_credential_revoked()) {
                                                           credentials_->ForgetToken(
                                                               e.credential_revoked().token_hash());
                                                         }
                                                       }));
  ASSIGN_OR_RETURN(updated_sub_,
                   bus_->SubscribeEvents(bus::SubjectFor("auth.user.updated"), "",
                                         [this](const events::v1::Event& e) {
                                           if (e.has_user_updated()) {
                                             credentials_->ForgetUser(e.user_updated().user_id());
                                           }
                                         }));
  return absl::OkStatus();
}

absl::Status AuthCore::Start() {
  if (bus_ != nullptr) {
    RETURN_IF_ERROR(bus_->EnsureStream(bus::DurableEventsStream()));
    RETURN_IF_ERROR(Subscribe());
    ASSIGN_OR_RETURN(consumer_, audit_->ConsumeFileDeleted(*bus_));
  }
  if (!options_.create_first_admin) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::optional<std::string> generated,
                   accounts_->EnsureFirstAdmin(options_.admin_password));
  if (generated) {
    // Deliberately outside the JSON log: the one place this secret is ever shown.
    std::string line =
        absl::StrCat("datamesh auth: first admin created: username \"admin\", ", "password \"",
                     *generated, "\" (shown only this once; change it after logging in)\n");
    (void)!write(STDERR_FILENO, line.data(), line.size());
    log::Warn("first admin created with a generated password, printed once to stderr");
  }
  return absl::OkStatus();
}

void AuthCore::Stop() {
  consumer_.reset();
  revoked_sub_.reset();
  updated_sub_.reset();
}

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const AuthOptions& options) {
  struct Parts : server::ServiceParts {
    std::unique_ptr<AuthCore> core;
    void Stop() override { core->Stop(); }
  };
  auto parts = std::make_unique<Parts>();
  ASSIGN_OR_RETURN(parts->core, AuthCore::Create(options, *runtime.pg(), *runtime.redis(),
                                                 runtime.bus(), runtime.source()));
  RETURN_IF_ERROR(parts->core->Start());
  runtime.AddGrpcService(&parts->core->service());
  return parts;
}

}  // namespace datamesh::auth
