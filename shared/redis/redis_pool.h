// Redis client pool for DataMesh services (hiredis 0.14, RESP2, no TLS).
//
// A RedisPool owns up to pool_size blocking connections to one Redis server and lends one to
// each call for its duration. Used for short, atomic operations: counters, rate limits and
// reservations (Lua scripts via Eval), caches.
//
// Failures and reconnection:
//  - A connection with a transport error (I/O error, EOF, timeout) is discarded and the call
//    returns UNAVAILABLE (DEADLINE_EXCEEDED on timeout); the next call opens a new connection.
//  - Commands are never retried automatically: after a transport error the command may or may
//    not have run, and INCR, LPUSH or a reservation script must not run twice. Callers that know
//    a command is idempotent may retry it themselves. Ping is the one exception.
//  - An idle connection the server has closed (restart, idle timeout) is noticed before it is
//    lent out and replaced, so a Redis restart usually costs no failed call at all.
//  - SIGPIPE from writing to a closed socket is absorbed; callers need not ignore it.
//
// Thread safety: every method may be called from any thread at the same time. The pool must
// outlive every call running on it; destroying it closes it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "shared/redis/connection.h"
#include "shared/redis/reply.h"
#include "shared/redis/script.h"

namespace datamesh::redis {

struct RedisOptions {
  // "redis://[[user]:password@]host[:port][/db]"; port defaults to 6379, db to 0.
  std::string url;
  // Most connections open at once.
  int pool_size = 4;
  // Bounds connecting, each command's reply, and waiting for a free connection.
  absl::Duration timeout = absl::Seconds(2);
};

class RedisPool {
 public:
  // Connects once and PINGs. INVALID_ARGUMENT for bad options or url, UNAVAILABLE when the
  // server cannot be reached.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RedisPool>> Create(
      const RedisOptions& options);

  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;
  ~RedisPool();  // Close(); no call may still be running.

  // PING, for readiness; tried once more on a new connection when the first attempt fails with
  // UNAVAILABLE.
  [[nodiscard]] absl::Status Ping();

  // Runs one command, e.g. {"SET", key, value, "PX", "1000"}. Arguments are binary-safe. An
  // error reply becomes a status carrying its message (mapping in connection.h: WRONGTYPE ->
  // FAILED_PRECONDITION, most others INTERNAL). Transport errors as described above;
  // DEADLINE_EXCEEDED also when no connection frees up in time; UNAVAILABLE after Close().
  [[nodiscard]] absl::StatusOr<Reply> Command(const std::vector<std::string>& args);

  // Sends all commands on one connection in one round trip and returns their replies in order.
  // Not atomic (wrap in MULTI/EXEC for that). Error replies of single commands are returned as
  // Reply::Type::kError elements, since the commands around them did run; the call itself fails
  // only for transport errors (as Command) or an empty command.
  [[nodiscard]] absl::StatusOr<std::vector<Reply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);

  // Runs `script` with EVALSHA; when the server does not know it yet (NOSCRIPT), sends the
  // source with EVAL, which also caches it. Errors as Command; an error the script raises is
  // INTERNAL with its message.
  [[nodiscard]] absl::StatusOr<Reply> Eval(const Script& script,
                                           const std::vector<std::string>& keys,
                                           const std::vector<std::string>& args);

  // Closes idle connections now and leased ones when they come back; waiting and later calls
  // fail with UNAVAILABLE. Idempotent.
  void Close();

 private:
  using Connection = internal::Connection;

  RedisPool(RedisOptions options, internal::Endpoint endpoint);

  absl::StatusOr<std::vector<Reply>> Exchange(
      const std::vector<std::vector<std::string>>& commands);
  absl::StatusOr<std::unique_ptr<Connection>> Acquire();
  void Release(std::unique_ptr<Connection> conn);
  absl::Status PingOnce();

  const RedisOptions options_;
  const internal::Endpoint endpoint_;

  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + leased + being opened
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace datamesh::redis
