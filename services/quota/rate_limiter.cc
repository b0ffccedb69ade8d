#include "services/quota/rate_limiter.h"

#include "absl/strings/str_cat.h"
#include "services/quota/quota_domain.h"
#include "shared/bus/event.h"
#include "shared/status/status.h"

namespace datamesh::quota {
namespace {

// KEYS: window set, month hash. ARGV: now ms, window ms, limit (-1 = unlimited), unique member,
// user id (hash field), month hash TTL in seconds, calls already made (counted first, whatever
// the answer), 1 to ask about one more call (0: report only).
// Returns {allowed 0/1, count, retry-after ms}. When the limit was lowered below the current
// count, a call is allowed only once (count - limit + 1) calls have left the window, so the
// retry-after is measured to the entry at index count - limit.
const redis::Script& CheckScript() {
  static const auto* const kScript = new redis::Script(R"lua(
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local made = tonumber(ARGV[7])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
for i = 1, made do redis.call('ZADD', KEYS[1], now, ARGV[4] .. '-m' .. i) end
if made > 0 then
  redis.call('PEXPIRE', KEYS[1], window)
  redis.call('HINCRBY', KEYS[2], ARGV[5], made)
  redis.call('EXPIRE', KEYS[2], ARGV[6])
end
local count = redis.call('ZCARD', KEYS[1])
if ARGV[8] == '0' then return {1, count, 0} end
if limit >= 0 and count >= limit then
  local retry = window
  local entry = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  if entry[2] then retry = tonumber(entry[2]) + window - now end
  return {0, count, retry}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
redis.call('HINCRBY', KEYS[2], ARGV[5], 1)
redis.call('EXPIRE', KEYS[2], ARGV[6])
return {1, count + 1, 0}
)lua");
  return *kScript;
}

std::string WindowKey(const std::string& user) { return absl::StrCat("dm:quota:api:", user); }
std::string MonthKey(const std::string& month) { return absl::StrCat("dm:quota:apicalls:", month); }

constexpr int64_t kMonthKeyTtlSeconds = 70 * 24 * 3600;  // billing flushes well before

}  // namespace

absl::StatusOr<ApiCallDecision> RateLimiter::Check(const std::string& user,
                                                   std::optional<uint64_t> limit, absl::Time now,
                                                   uint64_t made_calls, bool ask) {
  // Bounded so that one report cannot make the script loop for long.
  if (made_calls > kMaxMadeCalls) {
    return absl::InvalidArgumentError(absl::StrCat("made_calls must be at most ", kMaxMadeCalls));
  }
  const int64_t now_ms = absl::ToUnixMillis(now);
  const int64_t limit_arg =
      limit ? static_cast<int64_t>(std::min<uint64_t>(*limit, kMaxBytes)) : -1;
  ASSIGN_OR_RETURN(
      redis::Reply reply,
      redis_.Eval(
          CheckScript(), {WindowKey(user), MonthKey(MonthOf(now))},
          {std::to_string(now_ms), std::to_string(absl::ToInt64Milliseconds(window_)),
           std::to_string(limit_arg), absl::StrCat(now_ms, "-", bus::NewUuidV4()), user,
           std::to_string(kMonthKeyTtlSeconds), std::to_string(made_calls), ask ? "1" : "0"}));
  if (reply.type() != redis::Reply::Type::kArray || reply.elements().size() != 3) {
    return absl::InternalError("unexpected rate-limit script reply");
  }
  ApiCallDecision d;
  d.allowed = reply.elements()[0].integer() == 1;
  d.count = static_cast<uint64_t>(reply.elements()[1].integer());
  if (!d.allowed) {
    const int64_t retry_ms = std::max<int64_t>(reply.elements()[2].integer(), 1);
    d.retry_after_seconds = static_cast<uint32_t>((retry_ms + 999) / 1000);
  }
  return d;
}

absl::StatusOr<uint64_t> RateLimiter::CallsInWindow(const std::string& user, absl::Time now) {
  const int64_t from = absl::ToUnixMillis(now) - absl::ToInt64Milliseconds(window_);
  ASSIGN_OR_RETURN(redis::Reply reply,
                   redis_.Command({"ZCOUNT", WindowKey(user), absl::StrCat("(", from), "+inf"}));
  ASSIGN_OR_RETURN(int64_t count, reply.AsInteger());
  return static_cast<uint64_t>(count);
}

absl::StatusOr<std::map<std::string, uint64_t>> RateLimiter::MonthCalls(const std::string& month) {
  ASSIGN_OR_RETURN(redis::Reply reply, redis_.Command({"HGETALL", MonthKey(month)}));
  std::map<std::string, uint64_t> calls;
  const auto& e = reply.elements();
  for (size_t i = 0; i + 1 < e.size(); i += 2) {
    ASSIGN_OR_RETURN(int64_t n, e[i + 1].AsInteger());
    calls[e[i].str()] = static_cast<uint64_t>(std::max<int64_t>(n, 0));
  }
  return calls;
}

}  // namespace datamesh::quota
