#include "shared/pg/pool.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::pg {
namespace {

using ::datamesh::testing::StatusIs;
using ::datamesh::testing::TestStack;

// A port nothing listens on: bound to find it free, then released.
int UnusedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class PoolTest : public ::datamesh::testing::WithTestStack {
 protected:
  static PoolOptions Options(int size = 4) {
    PoolOptions options;
    options.url = stack_->pg_url();
    options.size = size;
    options.application_name = "pool_test";
    return options;
  }

  static std::unique_ptr<Pool> MakePool(const PoolOptions& options) {
    auto pool = Pool::Create(options);
    EXPECT_OK(pool);
    return pool.ok() ? std::move(*pool) : nullptr;
  }

  static void Exec(Pool& pool, const std::string& sql) {
    ASSERT_OK(pool.Transact([&](pqxx::work& w) {
      w.exec(sql);
      return absl::OkStatus();
    }));
  }

  static int64_t QueryInt(Pool& pool, const std::string& sql) {
    int64_t value = -1;
    EXPECT_OK(pool.WithConnection([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      value = tx.exec1(sql)[0].as<int64_t>();
      return absl::OkStatus();
    }));
    return value;
  }

  static int64_t BackendPid(Pool& pool) { return QueryInt(pool, "SELECT pg_backend_pid()"); }
};

TEST_F(PoolTest, CreatesPingsAndNamesItsConnections) {
  auto pool = MakePool(Options());
  ASSERT_NE(pool, nullptr);
  EXPECT_OK(pool->Ping());
  std::string name;
  ASSERT_OK(pool->WithConnection([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    name = tx.exec1("SELECT current_setting('application_name')")[0].as<std::string>();
    return absl::OkStatus();
  }));
  EXPECT_EQ(name, "pool_test");
}

TEST_F(PoolTest, CreateAgainstADeadPortIsUnavailable) {
  PoolOptions options = Options();
  options.url = absl::StrCat("postgresql://postgres@127.0.0.1:", UnusedPort(), "/postgres");
  EXPECT_THAT(Pool::Create(options), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(PoolTest, RejectsBadOptions) {
  PoolOptions options = Options();
  options.size = 0;
  EXPECT_THAT(Pool::Create(options), StatusIs(absl::StatusCode::kInvalidArgument));
  options = Options();
  options.url.clear();
  EXPECT_THAT(Pool::Create(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(PoolTest, UniqueViolationIsAlreadyExists) {
  auto pool = MakePool(Options());
  ASSERT_NE(pool, nullptr);
  Exec(*pool, "CREATE TABLE unique_t (id int PRIMARY KEY)");
  const auto insert = [&] {
    return pool->WithConnection([](pqxx::connection& c) {
      pqxx::work w(c);
      w.exec_params0("INSERT INTO unique_t (id) VALUES ($1)", 7);
      w.commit();
      return absl::OkStatus();
    });
  };
  ASSERT_OK(insert());
  absl::Status second = insert();
  EXPECT_THAT(second, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_NE(second.message().find("23505"), absl::string_view::npos) << second;
  EXPECT_OK(pool->Ping());  // the connection stays usable
}

TEST_F(PoolTest, OtherSqlErrorsAreInternalAndKeepTheError) {
  auto pool = MakePool(Options());
  ASSERT_NE(pool, nullptr);
  absl::Status status = pool->WithConnection([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec("SELECT * FROM no_such_table");
    return absl::OkStatus();
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal));
  EXPECT_NE(status.message().find("no_such_table"), absl::string_view::npos) << status;
}

TEST_F(PoolTest, TransactCommitsOnOkAndRollsBackOnErrorStatus) {
  auto pool = MakePool(Options());
  ASSERT_NE(pool, nullptr);
  Exec(*pool, "CREATE TABLE tx_status_t (id int)");
  ASSERT_OK(pool->Transact([](pqxx::work& w) {
    w.exec_params0("INSERT INTO tx_status_t VALUES ($1)", 1);
    return absl::OkStatus();
  }));
  EXPECT_THAT(pool->Transact([](pqxx::work& w) {
    w.exec_params0("INSERT INTO tx_status_t VALUES ($1)", 2);
    return absl::FailedPreconditionError("changed my mind");
  }),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(QueryInt(*pool, "SELECT count(*) FROM tx_status_t"), 1);
  EXPECT_EQ(QueryInt(*pool, "SELECT max(id) FROM tx_status_t"), 1);
}

TEST_F(PoolTest, TransactRollsBackOnExceptions) {
  // One connection: a connection lost to an escaping exception would stall the next call.
  PoolOptions options = Options(1);
  options.acquire_timeout = absl::Seconds(2);
  auto pool = MakePool(options);
  ASSERT_NE(pool, nullptr);
  Exec(*pool, "CREATE TABLE tx_throw_t (id int)");
  // A failing statement after a successful one.
  EXPECT_THAT(pool->Transact([](pqxx::work& w) {
    w.exec_params0("INSERT INTO tx_throw_t VALUES ($1)", 1);
    w.exec("SELECT 1 / 0");
    return absl::OkStatus();
  }),
              StatusIs(absl::StatusCode::kInternal));
  // An exception that is not libpqxx's goes through to the caller.
  EXPECT_THROW((void)pool->Transact([](pqxx::work& w) -> absl::Status {
    w.exec_params0("INSERT INTO tx_throw_t VALUES ($1)", 2);
    throw std::runtime_error("application bug");
  }),
               std::runtime_error);
  EXPECT_EQ(QueryInt(*pool, "SELECT count(*) FROM tx_throw_t"), 0);
}

// The value of one of the pool's wait counters in `metrics`.
double WaitCounter(prometheus::Registry& metrics, const char* name) {
  return prometheus::BuildCounter().Name(name).Register(metrics).Add({}).Value();
}

TEST_F(PoolTest, CallsWaitForAFreeConnectionThenGiveUp) {
  prometheus::Registry metrics;
  PoolOptions options = Options(2);
  options.acquire_timeout = absl::Milliseconds(300);
  options.metrics = &metrics;
  auto pool = MakePool(options);
  ASSERT_NE(pool, nullptr);
  absl::Notification release;
  absl::Notification held[2];
  std::vector<std::thread> holders;
  for (int i = 0; i < 2; ++i) {
    holders.emplace_back([&, i] {
      EXPECT_OK(pool->WithConnection([&](pqxx::connection&) {
        held[i].Notify();
        release.WaitForNotification();
        return absl::OkStatus();
      }));
    });
  }
  held[0].WaitForNotification();
  held[1].WaitForNotification();
  bool ran = false;
  EXPECT_THAT(pool->WithConnection([&](pqxx::connection&) {
    ran = true;
    return absl::OkStatus();
  }),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_FALSE(ran);
  EXPECT_EQ(WaitCounter(metrics, "datamesh_pg_pool_waits_total"), 1);
  EXPECT_EQ(WaitCounter(metrics, "datamesh_pg_pool_wait_timeouts_total"), 1);
  EXPECT_GT(WaitCounter(metrics, "datamesh_pg_pool_wait_seconds_total"), 0);
  release.Notify();
  for (auto& t : holders) t.join();
  EXPECT_OK(pool->Ping());
}

TEST_F(PoolTest, AWaitingCallGetsTheConnectionWhenItIsReturned) {
  prometheus::Registry metrics;
  PoolOptions options = Options(1);
  options.acquire_timeout = absl::Seconds(60);
  options.metrics = &metrics;
  auto pool = MakePool(options);
  ASSERT_NE(pool, nullptr);
  absl::Notification held, release;
  std::atomic<bool> released{false};
  std::thread holder([&] {
    EXPECT_OK(pool->WithConnection([&](pqxx::connection&) {
      held.Notify();
      release.WaitForNotification();
      released = true;
      return absl::OkStatus();
    }));
  });
  held.WaitForNotification();
  std::thread waiter([&] {
    EXPECT_OK(pool->WithConnection([&](pqxx::connection&) {
      EXPECT_TRUE(released.load());  // never two leases of the one connection
      return absl::OkStatus();
    }));
  });
  release.Notify();
  holder.join();
  waiter.join();
  // The waiter found the one connection leased, or came after it was back: never a timeout.
  EXPECT_LE(WaitCounter(metrics, "datamesh_pg_pool_waits_total"), 1);
  EXPECT_EQ(WaitCounter(metrics, "datamesh_pg_pool_wait_timeouts_total"), 0);
}

TEST_F(PoolTest, ConcurrentTransactionsFromEightThreadsLoseNothing) {
  auto pool = MakePool(Options(4));
  ASSERT_NE(pool, nullptr);
  Exec(*pool, "CREATE TABLE counter_t (id int PRIMARY KEY, n bigint NOT NULL)");
  Exec(*pool, "INSERT INTO counter_t VALUES (1, 0)");
  Exec(*pool, "CREATE TABLE rows_t (thread int, i int, PRIMARY KEY (thread, i))");
  constexpr int kThreads = 8, kPerThread = 40;
  std::atomic<int> committed{0};
  absl::Mutex pids_mu;
  std::set<int64_t> pids;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Read-modify-write under SERIALIZABLE: conflicts abort and are retried by Transact; a
        // call that runs out of attempts reports ABORTED and must leave no trace.
        absl::Status status = pool->Transact([&](pqxx::work& w) {
          w.exec0("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
          {
            absl::MutexLock lock(&pids_mu);
            pids.insert(w.exec1("SELECT pg_backend_pid()")[0].as<int64_t>());
          }
          const int64_t n = w.exec1("SELECT n FROM counter_t WHERE id = 1")[0].as<int64_t>();
          w.exec_params0("UPDATE counter_t SET n = $1 WHERE id = 1", n + 1);
          w.exec_params0("INSERT INTO rows_t VALUES ($1, $2)", t, i);
          return absl::OkStatus();
        });
        if (status.ok()) {
          ++committed;
        } else {
          EXPECT_THAT(status, StatusIs(absl::StatusCode::kAborted));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GT(committed.load(), 0);
  EXPECT_EQ(QueryInt(*pool, "SELECT n FROM counter_t WHERE id = 1"), committed.load());
  EXPECT_EQ(QueryInt(*pool, "SELECT count(*) FROM rows_t"), committed.load());
  // Never more sessions than the pool's size.
  absl::MutexLock lock(&pids_mu);
  EXPECT_LE(pids.size(), 4u);
}

TEST_F(PoolTest, ParametersCarryInjectionLookingValuesAsData) {
  auto pool = MakePool(Options());
  ASSERT_NE(pool, nullptr);
  Exec(*pool, "CREATE TABLE injection_t (v text NOT NULL)");
  const std::vector<std::string> values = {"'; DROP TABLE injection_t; --",
                                           "Robert'); DROP TABLE injection_t;--",
                                           "$1",
                                           "\\'",
                                           "\"quoted\"",
                                           "naïve ✓",
                                           "a\tb\nc"};
  ASSERT_OK(pool->WithConnection([&](pqxx::connection& c) {
    c.prepare("injection_insert", "INSERT INTO injection_t (v) VALUES ($1)");
    pqxx::work w(c);
    for (size_t i = 0; i < values.size(); ++i) {
      if (i % 2 == 0) {
        w.exec_prepared0("injection_insert", values[i]);
      } else {
        w.exec_params0("INSERT INTO injection_t (v) VALUES ($1)", values[i]);
      }
    }
    w.commit();
    return absl::OkStatus();
  }));
  for (const std::string& v : values) {
    ASSERT_OK(pool->WithConnection([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      pqxx::result r = tx.exec_params("SELECT v FROM injection_t WHERE v = $1", v);
      EXPECT_EQ(r.size(), 1u) << v;
      if (r.size() == 1) {
        EXPECT_EQ(r[0][0].as<std::string>(), v);
      }
      return absl::OkStatus();
    }));
  }
  EXPECT_EQ(QueryInt(*pool, "SELECT count(*) FROM injection_t"),
            static_cast<int64_t>(values.size()));
}

TEST_F(PoolTest, ABrokenConnectionIsUnavailableAndReplaced) {
  auto pool = MakePool(Options(1));
  ASSERT_NE(pool, nullptr);
  const int64_t first = BackendPid(*pool);
  EXPECT_THAT(pool->WithConnection([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec("SELECT pg_terminate_backend(pg_backend_pid())");
    return absl::OkStatus();
  }),
              StatusIs(absl::StatusCode::kUnavailable));
  const int64_t second = BackendPid(*pool);
  EXPECT_GT(second, 0);
  EXPECT_NE(second, first);
}

TEST_F(PoolTest, AnIdleConnectionClosedByTheServerIsReplacedBeforeUse) {
  auto pool = MakePool(Options(1));
  ASSERT_NE(pool, nullptr);
  auto admin = MakePool(Options(1));
  ASSERT_NE(admin, nullptr);
  const int64_t victim = BackendPid(*pool);
  ASSERT_OK(admin->WithConnection([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec_params("SELECT pg_terminate_backend($1::int)", victim);
    return absl::OkStatus();
  }));
  // Wait until the backend is gone (and so its socket closed).
  int64_t alive = 1;
  for (int i = 0; i < 1000 && alive > 0; ++i) {
    ASSERT_OK(admin->WithConnection([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      alive =
          tx.exec_params1("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", victim)[0]
              .as<int64_t>();
      return absl::OkStatus();
    }));
    if (alive > 0) absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(alive, 0);
  // The first call after that already runs on a new connection.
  const int64_t replacement = BackendPid(*pool);
  EXPECT_GT(replacement, 0);
  EXPECT_NE(replacement, victim);
}

TEST_F(PoolTest, CloseMakesLaterCallsUnavailable) {
  auto pool = MakePool(Options());
  ASSERT_NE(pool, nullptr);
  ASSERT_OK(pool->Ping());
  pool->Close();
  EXPECT_THAT(pool->Ping(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(pool->WithConnection([](pqxx::connection&) { return absl::OkStatus(); }),
              StatusIs(absl::StatusCode::kUnavailable));
  pool->Close();  // idempotent
}

}  // namespace
}  // namespace datamesh::pg
