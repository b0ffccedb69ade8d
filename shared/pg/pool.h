// PostgreSQL connection pool for DataMesh services (libpqxx 6.4).
//
// A Pool owns up to `size` pqxx::connection objects. Callers never hold a connection beyond one
// call: WithConnection / Transact lease a connection, run the caller's function with it and
// take it back, so pooled connections must not carry session state between calls (no LISTEN,
// no session-level SET or advisory lock left behind; use SET LOCAL and transaction-scoped locks).
// Connections are opened lazily, up to `size`; Create opens and checks the first one.
//
// Errors: libpqxx exceptions thrown inside a leased call are caught here and become statuses:
//   unique_violation (23505)                    -> ALREADY_EXISTS
//   serialization failure / deadlock (40001/40P01) -> ABORTED (Transact retries these)
//   query_canceled, e.g. statement_timeout (57014) -> DEADLINE_EXCEEDED
//   broken connection                           -> UNAVAILABLE; the connection is replaced
//   commit outcome unknown (in_doubt)           -> UNKNOWN; the connection is replaced
//   anything else from libpqxx                  -> INTERNAL, message keeps the SQL error
// Exceptions that are not libpqxx's propagate to the caller (the transaction is rolled back and
// the connection returned first).
//
// Thread safety: every method may be called from any thread at the same time. The Pool must
// outlive every call running on it; destroying it closes it.
#pragma once

#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace datamesh::pg {

struct PoolOptions {
  // "postgresql://user@host:port/db" (URI) or "host=... port=... dbname=..." (key=value).
  std::string url;
  // Most connections open at once.
  int size = 4;
  // How long a call waits for a free connection before DEADLINE_EXCEEDED. Also bounds the time
  // to open a connection (libpq's connect_timeout, at least 2 s), unless `url` sets one.
  absl::Duration acquire_timeout = absl::Seconds(5);
  // Where waits for a free connection are counted, so a pool too small for its callers shows:
  // datamesh_pg_pool_waits_total (calls that found every connection leased),
  // datamesh_pg_pool_wait_seconds_total and datamesh_pg_pool_wait_timeouts_total (waits that
  // ended in DEADLINE_EXCEEDED). Null: not counted. Must outlive the pool.
  prometheus::Registry* metrics = nullptr;
  // Shown in pg_stat_activity, e.g. "auth".
  std::string application_name;
  // Attempts Transact makes when the database aborts the transaction with a serialization
  // failure or a deadlock (1 = no retry).
  int transaction_attempts = 3;
};

class Pool {
 public:
  // Opens one connection and runs SELECT 1 on it. INVALID_ARGUMENT for bad options,
  // UNAVAILABLE when the server cannot be reached.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Pool>> Create(const PoolOptions& options);

  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool();  // Close(); no call may still be running.

  // SELECT 1 on a pooled connection, for readiness. A stale pooled connection (server restarted)
  // is replaced and the check tried once more before UNAVAILABLE is returned.
  [[nodiscard]] absl::Status Ping();

  // Runs `fn` with a leased connection and returns its status, or the status of the libpqxx
  // exception it threw (see the table above). DEADLINE_EXCEEDED when no connection frees up
  // within acquire_timeout; UNAVAILABLE after Close() or when no connection can be opened.
  // `fn` must not keep the connection (or anything made from it) after it returns.
  [[nodiscard]] absl::Status WithConnection(
      const std::function<absl::Status(pqxx::connection&)>& fn);

  // Runs `fn` inside one pqxx::work: commits when `fn` returns OK, rolls back when it returns
  // an error or throws. A serialization failure or deadlock (from `fn` or from the commit)
  // reruns `fn` in a new transaction, up to transaction_attempts times in all, so `fn` must be
  // safe to run again (no side effects outside the transaction). Errors as WithConnection.
  [[nodiscard]] absl::Status Transact(const std::function<absl::Status(pqxx::work&)>& fn);

  // Closes idle connections now and leased ones when they come back; waiting and later calls
  // fail with UNAVAILABLE. Idempotent.
  void Close();

 private:
  class Lease;

  Pool(PoolOptions options, std::string conninfo);

  absl::StatusOr<std::unique_ptr<pqxx::connection>> Acquire();
  void Release(std::unique_ptr<pqxx::connection> conn, bool reusable);
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect();
  void CountWait(absl::Duration waited, bool got);  // metrics, when counted
  // Leases a connection and runs `fn`; `*retryable` tells whether a failure was a
  // serialization failure or deadlock raised by the database.
  absl::Status Run(const std::function<absl::Status(pqxx::connection&)>& fn, bool* retryable);
  absl::Status PingOnce();

  const PoolOptions options_;
  const std::string conninfo_;

  absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + leased + being opened
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  prometheus::Counter* waits_ = nullptr;
  prometheus::Counter* wait_seconds_ = nullptr;
  prometheus::Counter* wait_timeouts_ = nullptr;
};

}  // namespace datamesh::pg
