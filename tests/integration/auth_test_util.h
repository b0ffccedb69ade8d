// Shared fixture of the auth integration tests: one real NATS + PostgreSQL + Redis per suite,
// the auth schema migrated, and an AuthCore built on real pools with cheap scrypt parameters
// and small lockout limits.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "auth_migrations.h"
#include "services/auth/auth_core.h"
#include "shared/bus/bus.h"
#include "shared/pg/migrations.h"
#include "shared/pg/pool.h"
#include "shared/redis/redis_pool.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::auth::testing {

inline constexpr char kAdminPassword[] = "first-admin-pass";

class AuthStackTest : public datamesh::testing::WithTestStack {
 protected:
  static void SetUpTestSuite() {
    WithTestStack::SetUpTestSuite();
    ASSERT_NE(stack_, nullptr);
    auto pool = pg::Pool::Create({.url = stack_->pg_url(), .size = 4, .application_name = "t"});
    ASSERT_OK(pool);
    pg_ = std::move(*pool);
    ASSERT_OK(pg::ApplyMigrations(*pg_, "auth", auth_migrations()));
    auto redis = redis::RedisPool::Create({.url = stack_->redis_url()});
    ASSERT_OK(redis);
    redis_ = std::move(*redis);
    auto bus = bus::Bus::Connect({.url = stack_->nats_url(), .client_name = "auth-test"});
    ASSERT_OK(bus);
    bus_ = std::move(*bus);
    auto core = AuthCore::Create(Options(kAdminPassword), *pg_, *redis_, bus_.get(), "auth/test");
    ASSERT_OK(core);
    core_ = std::move(*core);
    ASSERT_OK(core_->Start());
  }
  static void TearDownTestSuite() {
    core_.reset();
    bus_.reset();
    redis_.reset();
    pg_.reset();
    WithTestStack::TearDownTestSuite();
  }

  static AuthOptions Options(const std::string& admin_password) {
    AuthOptions o;
    o.admin_password = admin_password;
    o.scrypt_log2_n = 10;
    o.login_max_failures = 3;
    o.login_max_failures_per_client = 2;
    o.login_max_failures_per_address = 5;
    return o;
  }

  // A username no other test uses.
  static std::string Unique(const std::string& base) {
    static std::atomic<int> n{0};
    return base + std::to_string(++n) + "_" + std::to_string(::getpid());
  }

  // Registers a user with password "password-<name>"; returns the record.
  static UserRecord MakeUser(const std::string& name) {
    auto user =
        core_->accounts().Register({name, name + "@example.com", "password-" + name, "10.0.0.1"});
    EXPECT_OK(user);
    return user.ok() ? *user : UserRecord{};
  }

  static std::string Login(const std::string& name) {
    auto r = core_->accounts().Login(name, "password-" + name, "10.0.0.1");
    EXPECT_OK(r);
    return r.ok() ? r->session.token : "";
  }

  // First column of the first row of a parameterised query, as text.
  static std::string Scalar(const std::string& sql, const std::string& param) {
    std::string out;
    EXPECT_OK(pg_->WithConnection([&](pqxx::connection& c) {
      pqxx::work w(c);
      pqxx::result r = w.exec_params(sql, param);
      out = r.empty() || r[0][0].is_null() ? "" : r[0][0].as<std::string>();
      return absl::OkStatus();
    }));
    return out;
  }

  static inline std::unique_ptr<pg::Pool> pg_;
  static inline std::unique_ptr<redis::RedisPool> redis_;
  static inline std::unique_ptr<bus::Bus> bus_;
  static inline std::unique_ptr<AuthCore> core_;
};

}  // namespace datamesh::auth::testing
