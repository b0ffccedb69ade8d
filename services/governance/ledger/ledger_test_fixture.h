// A fixture for the ledger's tests: one real PostgreSQL per test binary (WithTestStack), the
// governance schema migrated, a pool, and helpers that run one ledger call in its own
// transaction. Tests use fresh account names, so they share the database without interfering.
#pragma once

#include <memory>
#include <string>

#include "governance_migrations.h"
#include "services/governance/ledger/invariants.h"
#include "services/governance/ledger/ledger.h"
#include "shared/bus/event.h"
#include "shared/pg/migrations.h"
#include "shared/pg/pool.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::governance::ledger {

class LedgerFixture : public testing::WithTestStack {
 protected:
  void SetUp() override {
    ASSERT_NE(stack_, nullptr) << "the test stack did not start";
    pg::PoolOptions po;
    po.url = stack_->pg_url();
    po.size = 10;
    po.transaction_attempts = 10;
    auto pool = pg::Pool::Create(po);
    ASSERT_OK(pool);
    pool_ = std::move(*pool);
    ASSERT_OK(pg::ApplyMigrations(*pool_, "governance", governance_migrations()));
    ASSERT_OK(pool_->Transact([](pqxx::work& tx) { return EnsureGenesis(tx, kSupply); }));
  }

  static std::string NewAccount(const std::string& prefix = "u") {
    return prefix + "-" + bus::NewUuidV4();
  }

  // Runs `fn` in its own transaction.
  template <typename Fn>
  absl::Status Run(Fn fn) {
    return pool_->Transact([&](pqxx::work& tx) -> absl::Status { return fn(tx); });
  }

  int64_t Balance(const std::string& account, const std::string& bucket) {
    int64_t out = -1;
    EXPECT_OK(Run([&](pqxx::work& tx) {
      out = BalanceOf(tx, account, bucket);
      return absl::OkStatus();
    }));
    return out;
  }

  InvariantReport Verify() {
    InvariantReport report;
    EXPECT_OK(Run([&](pqxx::work& tx) {
      report = VerifyInvariants(tx);
      return absl::OkStatus();
    }));
    return report;
  }

  absl::StatusOr<std::string> PostOne(const Movement& m) {
    absl::StatusOr<std::string> id;
    absl::Status s = Run([&](pqxx::work& tx) {
      id = Post(tx, m);
      return id.status();
    });
    if (!s.ok()) return s;
    return id;
  }

  static constexpr int64_t kSupply = 1'000'000'000'000'000;  // 1e9 tokens
  std::unique_ptr<pg::Pool> pool_;
};

}  // namespace datamesh::governance::ledger
