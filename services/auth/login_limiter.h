// LoginLimiter: throttles password guessing in Redis without letting one account's failures, or
// one address's, lock anybody else out.
//
// Three counters, each over a fixed window that starts at its first failure:
//   - per account (any address): after `account_free_failures` failures the account is locked
//     for `account_base_delay`, doubled with each further failure up to `account_max_delay`
//     (exponential back-off; guessing one account slows to a trickle wherever it comes from);
//   - per (account, address): `max_failures_per_pair` failures lock that pair for the rest of
//     the window — the common case of one client guessing one account;
//   - per address: past `max_failures_per_address` failures the address is "suspect": from then
//     on a login from it succeeds only with the right password for an account that has no
//     failures on record, and everything else is refused. A shared office or an Ingress that
//     shows every client with one address therefore never locks out a user who types the right
//     password, while a credential-stuffing run from that address gets nothing but refusals for
//     the rest of the window (each listed account at most once).
// Keys hold SHA-256 hex digests of the lower-cased username and of the address, so attacker-
// chosen input never becomes a key verbatim:
//   auth:login-fail:{user,pair,addr}:<digest>  (INCR; expire = window)
//   auth:login-lock:user:<digest>              (the back-off; expire = its delay)
// Unknown usernames are counted like known ones, so answers tell nothing about which accounts
// exist.
//
// A refusal is RESOURCE_EXHAUSTED carrying the seconds until it ends (RetryAfter()).
//
// Thread-safe; the pool must outlive the limiter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/redis/redis_pool.h"

namespace datamesh::auth {

struct LoginLimits {
  int account_free_failures = 10;
  absl::Duration account_base_delay = absl::Seconds(30);
  absl::Duration account_max_delay = absl::Minutes(15);
  int max_failures_per_pair = 5;
  int max_failures_per_address = 100;
  absl::Duration window = absl::Minutes(15);
};

// What Check found, for the decision after the password was verified (see Admit).
struct LoginGate {
  bool account_has_failures = false;
  // Set when the address is suspect: the seconds until its window ends.
  std::optional<int64_t> address_retry_after;
};

class LoginLimiter {
 public:
  LoginLimiter(redis::RedisPool& redis, LoginLimits limits) : redis_(redis), limits_(limits) {}

  // Before verifying a password: RESOURCE_EXHAUSTED (with RetryAfter) when the account is in
  // back-off or the (account, address) pair is locked; otherwise what Admit needs. An empty
  // `source_ip` is not limited per address or pair.
  [[nodiscard]] absl::StatusOr<LoginGate> Check(const std::string& username,
                                                const std::string& source_ip);
  // After verifying: whether a login from a suspect address may go ahead. OK when the address
  // is not suspect, or the password was right for an account without failures; otherwise
  // RESOURCE_EXHAUSTED with the address's retry-after.
  [[nodiscard]] static absl::Status Admit(const LoginGate& gate, bool password_right);
  // Counts one failure against the account, the pair and the address.
  [[nodiscard]] absl::Status RecordFailure(const std::string& username,
                                           const std::string& source_ip);
  // Clears the account's and the pair's counts after a successful login (the address keeps
  // its count).
  [[nodiscard]] absl::Status Reset(const std::string& username, const std::string& source_ip);

 private:
  redis::RedisPool& redis_;
  const LoginLimits limits_;
};

// A RESOURCE_EXHAUSTED status that asks the client to retry after `seconds`.
absl::Status RateLimitedError(int64_t seconds);
// The retry-after seconds a status carries, if any.
std::optional<int64_t> RetryAfter(const absl::Status& status);

}  // namespace datamesh::auth
