#include "shared/pg/pool.h"

#include <poll.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "shared/pg/internal.h"
#include "shared/status/status.h"

namespace datamesh::pg {

// Gives a leased connection back to its pool however the call ends, including by an exception
// that is not libpqxx's.
class Pool::Lease {
 public:
  Lease(Pool* pool, std::unique_ptr<pqxx::connection> conn) : pool_(pool), conn_(std::move(conn)) {}
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() {
    const bool reusable = !lost_ && conn_->is_open();
    pool_->Release(std::move(conn_), reusable);
  }

  pqxx::connection& conn() { return *conn_; }
  void MarkLost() { lost_ = true; }

 private:
  Pool* const pool_;
  std::unique_ptr<pqxx::connection> conn_;
  bool lost_ = false;
};

namespace {

// An idle connection has nothing to read. If its socket is readable, the server has closed it
// (restart, pg_terminate_backend, idle timeout) or sent something a pooled connection cannot
// use, so it is dropped before a caller sees it fail.
bool LooksUsable(const pqxx::connection& conn) {
  if (!conn.is_open() || conn.sock() < 0) return false;
  pollfd pfd{conn.sock(), POLLIN, 0};
  return ::poll(&pfd, 1, 0) == 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Pool>> Pool::Create(const PoolOptions& options) {
  if (options.url.empty()) return absl::InvalidArgumentError("pg: empty url");
  if (options.size < 1) return absl::InvalidArgumentError("pg: pool size must be at least 1");
  if (options.acquire_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("pg: acquire_timeout must be positive");
  }
  if (options.transaction_attempts < 1) {
    return absl::InvalidArgumentError("pg: transaction_attempts must be at least 1");
  }
  std::string conninfo =
      internal::BuildConninfo(options.url, options.application_name, options.acquire_timeout);
  std::unique_ptr<Pool> pool(new Pool(options, std::move(conninfo)));
  RETURN_IF_ERROR(pool->PingOnce());
  return pool;
}

Pool::Pool(PoolOptions options, std::string conninfo)
    : options_(std::move(options)), conninfo_(std::move(conninfo)) {
  if (options_.metrics == nullptr) return;
  auto counter = [&](const char* name, const char* help) {
    return &prometheus::BuildCounter().Name(name).Help(help).Register(*options_.metrics).Add({});
  };
  waits_ = counter("datamesh_pg_pool_waits_total",
                   "Calls that found every pooled PostgreSQL connection leased and waited");
  wait_seconds_ = counter("datamesh_pg_pool_wait_seconds_total",
                          "Time calls spent waiting for a free PostgreSQL connection");
  wait_timeouts_ = counter("datamesh_pg_pool_wait_timeouts_total",
                           "Waits for a PostgreSQL connection that ended in DEADLINE_EXCEEDED");
}

Pool::~Pool() { Close(); }

absl::Status Pool::PingOnce() {
  return WithConnection([](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    tx.exec1("SELECT 1");
    return absl::OkStatus();
  });
}

absl::Status Pool::Ping() {
  absl::Status status = PingOnce();
  // A connection that died under a query is only found out by using it; one more try runs on a
  // freshly opened connection.
  if (absl::IsUnavailable(status)) status = PingOnce();
  return status;
}

absl::Status Pool::WithConnection(const std::function<absl::Status(pqxx::connection&)>& fn) {
  bool retryable = false;
  return Run(fn, &retryable);
}

absl::Status Pool::Transact(const std::function<absl::Status(pqxx::work&)>& fn) {
  const auto attempt = [&fn](pqxx::connection& conn) -> absl::Status {
    pqxx::work work(conn);
    absl::Status status = fn(work);
    if (!status.ok()) {
      work.abort();
      return status;
    }
    work.commit();
    return absl::OkStatus();
  };
  absl::Status status;
  for (int i = 0; i < options_.transaction_attempts; ++i) {
    bool retryable = false;
    status = Run(attempt, &retryable);
    if (!retryable) break;
  }
  return status;
}

absl::Status Pool::Run(const std::function<absl::Status(pqxx::connection&)>& fn, bool* retryable) {
  *retryable = false;
  ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> conn, Acquire());
  Lease lease(this, std::move(conn));
  try {
    return fn(lease.conn());
  } catch (...) {
    // Rethrows what is not libpqxx's; the lease still goes back on the way out.
    internal::DbError error = internal::CurrentDbError();
    if (error.connection_lost) lease.MarkLost();
    *retryable = error.retryable;
    return error.status;
  }
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Pool::Acquire() {
  const absl::Time deadline = absl::Now() + options_.acquire_timeout;
  std::unique_ptr<pqxx::connection> stale;
  {
    absl::MutexLock lock(&mu_);
    const auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return closed_ || !idle_.empty() || open_ < options_.size;
    };
    bool got = true;
    if (!ready()) {
      const absl::Time start = absl::Now();
      got = mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
      CountWait(absl::Now() - start, got);
    }
    if (!got) {
      return absl::DeadlineExceededError(absl::StrCat(
          "pg: no free connection within ", absl::FormatDuration(options_.acquire_timeout),
          " (pool size ", options_.size, ")"));
    }
    if (closed_) return absl::UnavailableError("pg: pool is closed");
    if (!idle_.empty()) {
      std::unique_ptr<pqxx::connection> conn = std::move(idle_.back());
      idle_.pop_back();
      if (LooksUsable(*conn)) return conn;
      stale = std::move(conn);  // its slot in open_ passes to the replacement
    } else {
      ++open_;
    }
  }
  stale.reset();  // closing may touch the network: not under the lock
  absl::StatusOr<std::unique_ptr<pqxx::connection>> conn = Connect();
  if (!conn.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
  }
  return conn;
}

void Pool::CountWait(absl::Duration waited, bool got) {
  if (waits_ == nullptr) return;
  waits_->Increment();
  wait_seconds_->Increment(absl::ToDoubleSeconds(waited));
  if (!got) wait_timeouts_->Increment();
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Pool::Connect() {
  try {
    auto conn = std::make_unique<pqxx::connection>(conninfo_);
    // libpqxx 6 silently reconnects a broken connection at the next transaction, which would
    // drop session state (advisory locks) without anyone noticing; the pool replaces it instead.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    conn->inhibit_reactivation(true);
#pragma GCC diagnostic pop
    // NOTICEs (e.g. "schema already exists, skipping") would go to stderr unstructured.
    pqxx::nontransaction tx(*conn);
    tx.exec0("SET client_min_messages TO warning");
    tx.commit();
    return conn;
  } catch (...) {
    internal::DbError error = internal::CurrentDbError();
    if (error.status.code() == absl::StatusCode::kInternal) {
      // Anything that stops a connection from opening means the database is not reachable as
      // configured.
      return absl::UnavailableError(error.status.message());
    }
    return error.status;
  }
}

void Pool::Release(std::unique_ptr<pqxx::connection> conn, bool reusable) {
  {
    absl::MutexLock lock(&mu_);
    if (reusable && !closed_) {
      idle_.push_back(std::move(conn));
      return;
    }
    --open_;
  }
  conn.reset();
}

void Pool::Close() {
  std::vector<std::unique_ptr<pqxx::connection>> idle;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    idle.swap(idle_);
    open_ -= static_cast<int>(idle.size());
  }
  idle.clear();
}

}  // namespace datamesh::pg
