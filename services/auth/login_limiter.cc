#include "services/auth/login_limiter.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "shared/crypto/hash.h"
#include "shared/status/status.h"

namespace datamesh::auth {
namespace {

constexpr char kRetryAfterPayload[] = "type.datamesh.io/retry-after";

struct Keys {
  std::string user_count;
  std::string user_lock;
  std::string pair_count;  // empty without an address
  std::string addr_count;  // empty without an address
};

absl::StatusOr<Keys> KeysFor(const std::string& username, const std::string& source_ip) {
  const std::string user = absl::AsciiStrToLower(username);
  Keys keys;
  ASSIGN_OR_RETURN(std::string user_digest, crypto::Sha256Hex(user));
  keys.user_count = "auth:login-fail:user:" + user_digest;
  keys.user_lock = "auth:login-lock:user:" + user_digest;
  if (source_ip.empty()) return keys;
  // The NUL cannot occur in a username, so no (user, address) pair can collide with another.
  ASSIGN_OR_RETURN(std::string pair_digest, crypto::Sha256Hex(user + '\0' + source_ip));
  ASSIGN_OR_RETURN(std::string addr_digest, crypto::Sha256Hex(source_ip));
  keys.pair_count = "auth:login-fail:pair:" + pair_digest;
  keys.addr_count = "auth:login-fail:addr:" + addr_digest;
  return keys;
}

// KEYS: the counters to increment (each starts its window on its first failure), then the
// account's lock. ARGV: window ms, free failures, base delay ms, max delay ms. Locks the account
// for base * 2^(failures - free), capped, once its count reaches the free failures.
const redis::Script& FailureScript() {
  static const auto* const kScript = new redis::Script(
      "local n = 0\n"
      "for i = 1, #KEYS - 1 do\n"
      "  local c = redis.call('INCR', KEYS[i])\n"
      "  if c == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[1]) end\n"
      "  if i == 1 then n = c end\n"
      "end\n"
      "local free = tonumber(ARGV[2])\n"
      "if n >= free then\n"
      "  local delay = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ math.min(n - free, "
      "40))\n"
      "  redis.call('SET', KEYS[#KEYS], '1', 'PX', math.floor(delay))\n"
      "end\n"
      "return n\n");
  return *kScript;
}

int64_t Ms(absl::Duration d) { return absl::ToInt64Milliseconds(d); }
int64_t CeilSeconds(int64_t ms) { return (ms + 999) / 1000; }

}  // namespace

absl::Status RateLimitedError(int64_t seconds) {
  seconds = std::max<int64_t>(seconds, 1);
  absl::Status s = absl::ResourceExhaustedError(
      absl::StrCat("too many failed logins; retry in ", seconds, " s"));
  s.SetPayload(kRetryAfterPayload, absl::Cord(absl::StrCat(seconds)));
  return s;
}

std::optional<int64_t> RetryAfter(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kRetryAfterPayload);
  int64_t seconds = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &seconds)) return std::nullopt;
  return seconds;
}

absl::StatusOr<LoginGate> LoginLimiter::Check(const std::string& username,
                                              const std::string& source_ip) {
  ASSIGN_OR_RETURN(Keys keys, KeysFor(username, source_ip));
  std::vector<std::vector<std::string>> commands = {{"EXISTS", keys.user_count},
                                                    {"PTTL", keys.user_lock}};
  if (!source_ip.empty()) {
    commands.push_back({"GET", keys.pair_count});
    commands.push_back({"PTTL", keys.pair_count});
    commands.push_back({"GET", keys.addr_count});
    commands.push_back({"PTTL", keys.addr_count});
  }
  ASSIGN_OR_RETURN(std::vector<redis::Reply> r, redis_.Pipeline(commands));
  LoginGate gate;
  gate.account_has_failures = r[0].integer() > 0;
  int64_t locked_ms = r[1].integer() > 0 ? r[1].integer() : 0;
  // A counter without a TTL cannot occur (the script sets it with the first INCR); should one
  // appear anyway, the window is the longest it can last.
  auto ttl_or_window = [&](const redis::Reply& ttl) {
    return ttl.integer() > 0 ? ttl.integer() : Ms(limits_.window);
  };
  if (!source_ip.empty()) {
    if (!r[2].is_nil()) {
      ASSIGN_OR_RETURN(int64_t pair, r[2].AsInteger());
      if (pair >= limits_.max_failures_per_pair) {
        locked_ms = std::max(locked_ms, ttl_or_window(r[3]));
      }
    }
    if (!r[4].is_nil()) {
      ASSIGN_OR_RETURN(int64_t addr, r[4].AsInteger());
      if (addr >= limits_.max_failures_per_address) {
        gate.address_retry_after = CeilSeconds(ttl_or_window(r[5]));
      }
    }
  }
  if (locked_ms > 0) return RateLimitedError(CeilSeconds(locked_ms));
  return gate;
}

absl::Status LoginLimiter::Admit(const LoginGate& gate, bool password_right) {
  if (!gate.address_retry_after) return absl::OkStatus();
  if (password_right && !gate.account_has_failures) return absl::OkStatus();
  return RateLimitedError(*gate.address_retry_after);
}

absl::Status LoginLimiter::RecordFailure(const std::string& username,
                                         const std::string& source_ip) {
  ASSIGN_OR_RETURN(Keys keys, KeysFor(username, source_ip));
  std::vector<std::string> script_keys = {keys.user_count};
  if (!source_ip.empty()) {
    script_keys.push_back(keys.pair_count);
    script_keys.push_back(keys.addr_count);
  }
  script_keys.push_back(keys.user_lock);
  return redis_
      .Eval(FailureScript(), script_keys,
            {absl::StrCat(Ms(limits_.window)), absl::StrCat(limits_.account_free_failures),
             absl::StrCat(Ms(limits_.account_base_delay)),
             absl::StrCat(Ms(limits_.account_max_delay))})
      .status();
}

absl::Status LoginLimiter::Reset(const std::string& username, const std::string& source_ip) {
  ASSIGN_OR_RETURN(Keys keys, KeysFor(username, source_ip));
  std::vector<std::string> command = {"DEL", keys.user_count, keys.user_lock};
  if (!source_ip.empty()) command.push_back(keys.pair_count);
  return redis_.Command(command).status();
}

}  // namespace datamesh::auth
