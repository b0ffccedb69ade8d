// AuthCore: the auth service assembled from its dependencies — stores, domain objects, the
// gRPC adapter and the background parts (file.deleted consumer, cache-eviction subscriptions).
// Build() is what main.cc hands to the bootstrap; tests construct an AuthCore directly with real
// pools to drive the domain in-process.
//
// Ownership: AuthCore owns everything it creates; the pools and bus passed in are borrowed and
// must outlive it. Start() is called once; Stop() (idempotent, also run by the destructor)
// stops the consumer and subscriptions before anything they use is destroyed.
// Thread-safe after Start().
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/auth/account_recovery.h"
#include "services/auth/accounts.h"
#include "services/auth/api_key_store.h"
#include "services/auth/audit_log.h"
#include "services/auth/audit_store.h"
#include "services/auth/auth_events.h"
#include "services/auth/auth_service.h"
#include "services/auth/credentials.h"
#include "services/auth/login_limiter.h"
#include "services/auth/s3_key_store.h"
#include "services/auth/s3_keys.h"
#include "services/auth/session_store.h"
#include "services/auth/user_store.h"
#include "shared/bus/bus.h"
#include "shared/config/flags.h"
#include "shared/pg/pool.h"
#include "shared/redis/redis_pool.h"
#include "shared/server/service_main.h"

namespace datamesh::auth {

struct AuthOptions {
  std::string admin_password;  // --admin-password / DM_ADMIN_PASSWORD
  absl::Duration session_ttl = absl::Hours(24);
  absl::Duration token_cache_ttl = absl::Seconds(5);
  int64_t token_cache_capacity = 10000;
  int64_t max_api_keys = 100;
  int64_t login_max_failures = 10;  // per account, before its back-off starts
  absl::Duration login_backoff = absl::Seconds(30);
  absl::Duration login_max_backoff = absl::Minutes(15);
  int64_t login_max_failures_per_client = 5;  // per (account, address)
  int64_t login_max_failures_per_address = 100;
  absl::Duration login_window = absl::Minutes(15);
  int64_t scrypt_log2_n = 15;  // lowered only in tests and local experiments
  bool create_first_admin = true;
  // The server key S3 secrets are sealed under (base64 of 32 bytes), given directly
  // (DM_S3_SECRET_KEY) or as a file; neither: S3 keys are off.
  std::string s3_secret_key;
  std::string s3_secret_key_file;
  int64_t max_s3_keys = 10;
};

void RegisterFlags(config::FlagSet& flags, AuthOptions& options);

class AuthCore {
 public:
  // `bus` may be null (no events; no consumer). INVALID_ARGUMENT for bad options.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<AuthCore>> Create(const AuthOptions& options,
                                                                        pg::Pool& pg,
                                                                        redis::RedisPool& redis,
                                                                        bus::Bus* bus,
                                                                        std::string source);
  ~AuthCore();

  // Declares the durable stream, starts the file.deleted consumer and the cache-eviction
  // subscriptions, and creates the first admin when none exists (the generated password, if
  // any, is written once to stderr, outside the JSON log).
  [[nodiscard]] absl::Status Start();
  void Stop();

  Accounts& accounts() { return *accounts_; }
  AccountRecovery& recovery() { return *recovery_; }
  LoginLimiter& limiter() { return limiter_; }
  Credentials& credentials() { return *credentials_; }
  AuditLog& audit() { return *audit_; }
  S3Keys& s3_keys() { return *s3_keys_; }
  AuthServiceImpl& service() { return *service_; }

 private:
  AuthCore(const AuthOptions& options, pg::Pool& pg, redis::RedisPool& redis, bus::Bus* bus,
           std::string source);
  absl::Status Subscribe();

  const AuthOptions options_;
  bus::Bus* const bus_;
  UserStore users_;
  SessionStore sessions_;
  ApiKeyStore api_keys_;
  RecoveryStore recovery_codes_;
  AuditStore audit_store_;
  S3KeyStore s3_key_store_;
  LoginLimiter limiter_;
  AuthEvents events_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Credentials> credentials_;
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<AccountRecovery> recovery_;
  std::unique_ptr<S3Keys> s3_keys_;
  std::unique_ptr<AuthServiceImpl> service_;
  std::unique_ptr<bus::Consumer> consumer_;
  std::unique_ptr<bus::Subscription> revoked_sub_;
  std::unique_ptr<bus::Subscription> updated_sub_;
};

// The bootstrap's build function for the auth binary.
[[nodiscard]] absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(
    server::Runtime& runtime, const AuthOptions& options);

}  // namespace datamesh::auth
