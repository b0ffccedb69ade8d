// One hiredis connection and the pieces around it that need no pool: URL parsing, reply
// conversion, and the mapping of Redis error replies to statuses.
//
// Not part of the public API of shared/redis. A Connection is not thread-safe: the pool hands
// it to one caller at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/redis/reply.h"

struct redisContext;

namespace datamesh::redis::internal {

// Parsed "redis://[[user]:password@]host[:port][/db]". The password is used as written (no
// percent-decoding). IPv6 hosts go in brackets: redis://[::1]:6379.
struct Endpoint {
  std::string host;
  int port = 6379;
  int db = 0;
  std::string username;
  std::string password;
};
absl::StatusOr<Endpoint> ParseRedisUrl(std::string_view url);

// The status for an error reply, keeping its message: WRONGTYPE -> FAILED_PRECONDITION,
// LOADING/BUSY/READONLY/MASTERDOWN/TRYAGAIN -> UNAVAILABLE, OOM -> RESOURCE_EXHAUSTED,
// NOAUTH/WRONGPASS/NOPERM -> PERMISSION_DENIED, EXECABORT -> ABORTED, NOSCRIPT -> NOT_FOUND,
// anything else (ERR ..., errors raised by scripts) -> INTERNAL.
absl::Status ErrorReplyToStatus(const std::string& message);

class Connection {
 public:
  // Connects, sets the I/O timeout, authenticates and selects the database. UNAVAILABLE when
  // the server cannot be reached; DEADLINE_EXCEEDED when it does not answer within `timeout`.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const Endpoint& endpoint,
                                                          absl::Duration timeout);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Sends all commands in one write, then reads one reply per command. Error replies are
  // returned as replies. A transport failure (UNAVAILABLE, or DEADLINE_EXCEEDED on timeout)
  // leaves the connection broken(): commands may or may not have run.
  absl::StatusOr<std::vector<Reply>> Exchange(
      const std::vector<std::vector<std::string>>& commands);

  bool broken() const { return broken_; }
  // For a connection that has been idle: false when the server has closed it (or sent
  // something unasked for), so that it is replaced before a command is lost on it.
  bool LooksUsable() const;

 private:
  explicit Connection(redisContext* context) : context_(context) {}
  absl::Status Fail(int saved_errno);

  redisContext* context_;  // owned
  bool broken_ = false;
};

}  // namespace datamesh::redis::internal
