// LoginLimiter: counts failed logins per account and per source address in Redis and refuses
// further attempts once either count reaches its limit within the window.
//
// Keys hold SHA-256 hex digests of the (lower-cased) username and of the address, so attacker-
// chosen input never becomes a key verbatim and keys stay short:
//   auth:login-fail:user:<digest>, auth:login-fail:addr:<digest>   (INCR; expire = window)
// The window starts at the first failure (fixed window). Unknown usernames are counted like
// known ones, so the answers tell nothing about which accounts exist.
//
// A refusal is RESOURCE_EXHAUSTED carrying the seconds until the window ends (RetryAfter()).
//
// Thread-safe; the pool must outlive the limiter.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "shared/redis/redis_pool.h"

namespace datamesh::auth {

struct LoginLimits {
  int max_failures_per_account = 5;
  int max_failures_per_address = 20;
  absl::Duration window = absl::Minutes(15);
};

class LoginLimiter {
 public:
  LoginLimiter(redis::RedisPool& redis, LoginLimits limits) : redis_(redis), limits_(limits) {}

  // OK, or RESOURCE_EXHAUSTED (with RetryAfter) when the account or address is locked out.
  // An empty `source_ip` is not limited per address.
  [[nodiscard]] absl::Status Check(const std::string& username, const std::string& source_ip);
  // Counts one failure against both.
  [[nodiscard]] absl::Status RecordFailure(const std::string& username,
                                           const std::string& source_ip);
  // Clears the account's count after a successful login (the address keeps its count).
  [[nodiscard]] absl::Status Reset(const std::string& username);

 private:
  redis::RedisPool& redis_;
  const LoginLimits limits_;
};

// A RESOURCE_EXHAUSTED status that asks the client to retry after `seconds`.
absl::Status RateLimitedError(int64_t seconds);
// The retry-after seconds a status carries, if any.
std::optional<int64_t> RetryAfter(const absl::Status& status);

}  // namespace datamesh::auth
