// RateLimiter: per-user API-call windows in Redis, and the monthly API-call counters billing
// reads.
//
// Each user has a sorted set of the calls of the last hour (score = call time in ms). One Lua
// script drops entries older than the window, compares the count with the limit and, only when
// the call is allowed, adds it — atomically, so concurrent calls never pass the limit together
// and denied calls are not counted. Allowed calls also increment the user's field in the
// month's hash (dm:quota:apicalls:<YYYY-MM>), from which billing takes its API-call counts.
// Times are passed in so callers can inject a clock. Keys assume one Redis node (no cluster
// slots).
//
// Thread-safe; the pool must outlive the limiter.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/redis/redis_pool.h"

namespace datamesh::quota {

struct ApiCallDecision {
  bool allowed = false;
  uint64_t count = 0;                // calls in the window, including this one when allowed
  uint32_t retry_after_seconds = 0;  // when denied: until one call leaves the window (>= 1)
};

class RateLimiter {
 public:
  RateLimiter(redis::RedisPool& redis, absl::Duration window = absl::Hours(1))
      : redis_(redis), window_(window) {}

  // Most calls one Check may report as already made.
  static constexpr uint64_t kMaxMadeCalls = 10'000;

  // Counts `made_calls` calls already let through (whatever the limit says), then, when `ask`,
  // one more call when within `limit` calls per window (nullopt = unlimited, always counted).
  // Without `ask` the decision is allowed, with the count after the report. INVALID_ARGUMENT
  // for more than kMaxMadeCalls.
  absl::StatusOr<ApiCallDecision> Check(const std::string& user, std::optional<uint64_t> limit,
                                        absl::Time now, uint64_t made_calls = 0, bool ask = true);
  // Calls in the window ending at `now`.
  absl::StatusOr<uint64_t> CallsInWindow(const std::string& user, absl::Time now);
  // The month's allowed-call counts per user.
  absl::StatusOr<std::map<std::string, uint64_t>> MonthCalls(const std::string& month);

 private:
  redis::RedisPool& redis_;
  const absl::Duration window_;
};

}  // namespace datamesh::quota
