#include "shared/pg/migrations.h"

#include <gtest/gtest.h>

#include <thread>

#include "pg_test_migrations.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::pg {
namespace {

using ::datamesh::testing::StatusIs;
using ::datamesh::testing::TestStack;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class MigrationsTest : public ::datamesh::testing::WithTestStack {
 protected:
  void SetUp() override {
    ASSERT_NE(stack_, nullptr) << "the test stack did not start";
    pool_ = NewPool();
    ASSERT_NE(pool_, nullptr);
  }

  static std::unique_ptr<Pool> NewPool() {
    PoolOptions options;
    options.url = stack_->pg_url();
    options.size = 2;
    options.application_name = "migrations_test";
    auto pool = Pool::Create(options);
    EXPECT_OK(pool);
    return pool.ok() ? std::move(*pool) : nullptr;
  }

  // Starts a test from an empty schema.
  void DropSchema(const std::string& schema) {
    ASSERT_OK(pool_->Transact([&](pqxx::work& w) {
      w.exec("DROP SCHEMA IF EXISTS " + w.quote_name(schema) + " CASCADE");
      return absl::OkStatus();
    }));
  }

  std::vector<int> AppliedVersions(const std::string& schema) {
    std::vector<int> versions;
    EXPECT_OK(pool_->WithConnection([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      for (const auto& row : tx.exec("SELECT version FROM " + c.quote_name(schema) +
                                     ".schema_migrations ORDER BY version")) {
        versions.push_back(row[0].as<int>());
      }
      return absl::OkStatus();
    }));
    return versions;
  }

  int64_t QueryInt(const std::string& sql) {
    int64_t value = -1;
    EXPECT_OK(pool_->WithConnection([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      value = tx.exec1(sql)[0].as<int64_t>();
      return absl::OkStatus();
    }));
    return value;
  }

  // A session advisory lock left behind on a pooled connection would block every later run.
  int64_t AdvisoryLocksHeld() {
    return QueryInt("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'");
  }

  std::unique_ptr<Pool> pool_;
};

TEST_F(MigrationsTest, EmbeddedMigrationsAreInVersionOrder) {
  const std::vector<Migration>& migrations = pg_test_migrations();
  ASSERT_EQ(migrations.size(), 2u);
  EXPECT_EQ(migrations[0].version, 1);
  EXPECT_EQ(migrations[0].name, "0001_create");
  EXPECT_THAT(migrations[0].sql, HasSubstr("CREATE TABLE pgtest.items"));
  EXPECT_EQ(migrations[1].version, 2);
  EXPECT_EQ(migrations[1].name, "0002_add");
}

TEST_F(MigrationsTest, ApplyingTwiceAppliesEachMigrationOnce) {
  DropSchema("pgtest");
  ASSERT_OK(ApplyMigrations(*pool_, "pgtest", pg_test_migrations()));
  ASSERT_OK(ApplyMigrations(*pool_, "pgtest", pg_test_migrations()));
  EXPECT_THAT(AppliedVersions("pgtest"), ElementsAre(1, 2));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM pgtest.schema_migrations WHERE checksum <> '' AND "
                     "applied_at IS NOT NULL AND name IN ('0001_create', '0002_add')"),
            2);
  // Both migrations took effect: the column 0002 added exists.
  EXPECT_EQ(QueryInt("SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                     "'pgtest' AND table_name = 'items' AND column_name = 'created_at'"),
            1);
  EXPECT_EQ(AdvisoryLocksHeld(), 0);
}

TEST_F(MigrationsTest, ALaterMigrationAppliesOnlyTheNewOne) {
  DropSchema("pgtest");
  ASSERT_OK(ApplyMigrations(*pool_, "pgtest", pg_test_migrations()));
  ASSERT_OK(pool_->Transact([](pqxx::work& w) {
    w.exec_params0("INSERT INTO pgtest.items (id, name) VALUES ($1, $2)", 1, "kept");
    return absl::OkStatus();
  }));
  const int64_t before = QueryInt(
      "SELECT (extract(epoch FROM max(applied_at)) * 1000000)::bigint FROM "
      "pgtest.schema_migrations");

  std::vector<Migration> next = pg_test_migrations();
  next.push_back({3, "0003_note", "ALTER TABLE pgtest.items ADD COLUMN note text"});
  ASSERT_OK(ApplyMigrations(*pool_, "pgtest", next));
  EXPECT_THAT(AppliedVersions("pgtest"), ElementsAre(1, 2, 3));
  // 1 and 2 were not run again (they would fail on existing objects, and keep their times).
  EXPECT_EQ(QueryInt("SELECT (extract(epoch FROM max(applied_at)) * 1000000)::bigint FROM "
                     "pgtest.schema_migrations WHERE version < 3"),
            before);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM pgtest.items WHERE note IS NULL"), 1);
}

TEST_F(MigrationsTest, ConcurrentRunsApplyEachMigrationExactlyOnce) {
  DropSchema("pgtest_race");
  // Not idempotent on purpose: run twice, 2 would insert two rows and 1 would fail.
  const std::vector<Migration> migrations = {
      {1, "0001_log", "CREATE TABLE pgtest_race.log (n int)"},
      {2, "0002_fill", "INSERT INTO pgtest_race.log VALUES (2); SELECT pg_sleep(0.2);"},
      {3, "0003_more", "INSERT INTO pgtest_race.log VALUES (3)"},
  };
  constexpr int kReplicas = 4;
  std::vector<std::unique_ptr<Pool>> pools;
  for (int i = 0; i < kReplicas; ++i) {
    pools.push_back(NewPool());
    ASSERT_NE(pools.back(), nullptr);
  }
  std::vector<absl::Status> results(kReplicas);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = ApplyMigrations(*pools[i], "pgtest_race", migrations); });
  }
  for (auto& t : threads) t.join();
  for (const absl::Status& status : results) EXPECT_OK(status);
  EXPECT_THAT(AppliedVersions("pgtest_race"), ElementsAre(1, 2, 3));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM pgtest_race.log"), 2);
  EXPECT_EQ(AdvisoryLocksHeld(), 0);
}

TEST_F(MigrationsTest, AChangedMigrationIsFailedPrecondition) {
  DropSchema("pgtest_sum");
  ASSERT_OK(
      ApplyMigrations(*pool_, "pgtest_sum", {{1, "0001_t", "CREATE TABLE pgtest_sum.t (a int)"}}));
  const std::vector<Migration> edited = {
      {1, "0001_t", "CREATE TABLE pgtest_sum.t (a bigint)"},
      {2, "0002_u", "CREATE TABLE pgtest_sum.u (a int)"},
  };
  absl::Status status = ApplyMigrations(*pool_, "pgtest_sum", edited);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(status.message()), HasSubstr("0001_t"));
  // Checked before anything runs: 2 was not applied.
  EXPECT_THAT(AppliedVersions("pgtest_sum"), ElementsAre(1));
  EXPECT_EQ(AdvisoryLocksHeld(), 0);
}

TEST_F(MigrationsTest, AFailingMigrationRollsBackAndIsNotRecorded) {
  DropSchema("pgtest_fail");
  std::vector<Migration> migrations = {
      {1, "0001_t", "CREATE TABLE pgtest_fail.t (a int)"},
      {2, "0002_bad", "INSERT INTO pgtest_fail.t VALUES (1); SELECT * FROM pgtest_fail.missing;"},
      {3, "0003_after", "INSERT INTO pgtest_fail.t VALUES (3)"},
  };
  absl::Status status = ApplyMigrations(*pool_, "pgtest_fail", migrations);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(std::string(status.message()), HasSubstr("0002_bad"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("pgtest_fail.missing"));
  EXPECT_THAT(AppliedVersions("pgtest_fail"), ElementsAre(1));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM pgtest_fail.t"), 0);
  EXPECT_EQ(AdvisoryLocksHeld(), 0);

  // Never recorded, so it may still be fixed; the run then carries on from it.
  migrations[1].sql = "INSERT INTO pgtest_fail.t VALUES (2)";
  ASSERT_OK(ApplyMigrations(*pool_, "pgtest_fail", migrations));
  EXPECT_THAT(AppliedVersions("pgtest_fail"), ElementsAre(1, 2, 3));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM pgtest_fail.t"), 2);
}

TEST_F(MigrationsTest, MigrationsRunInVersionOrderWhateverTheListOrder) {
  DropSchema("pgtest_order");
  ASSERT_OK(ApplyMigrations(*pool_, "pgtest_order",
                            {{2, "0002_fill", "INSERT INTO pgtest_order.t VALUES (2)"},
                             {1, "0001_t", "CREATE TABLE pgtest_order.t (a int)"}}));
  EXPECT_THAT(AppliedVersions("pgtest_order"), ElementsAre(1, 2));
}

TEST_F(MigrationsTest, RejectsInvalidSchemaNamesAndMigrationLists) {
  const std::vector<Migration> one = {{1, "0001_t", "SELECT 1"}};
  for (const char* bad : {"", "Auth", "1st", "a-b", "x\"; DROP SCHEMA public CASCADE; --"}) {
    EXPECT_THAT(ApplyMigrations(*pool_, bad, one), StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
  EXPECT_THAT(ApplyMigrations(*pool_, "pgtest_bad", {{1, "a", "SELECT 1"}, {1, "b", "SELECT 1"}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ApplyMigrations(*pool_, "pgtest_bad", {{0, "zero", "SELECT 1"}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ApplyMigrations(*pool_, "pgtest_bad", {{1, "", "SELECT 1"}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Nothing was created for the rejected runs.
  EXPECT_EQ(QueryInt("SELECT count(*) FROM pg_namespace WHERE nspname = 'pgtest_bad'"), 0);
}

}  // namespace
}  // namespace datamesh::pg
