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

absl::StatusOr<std::string> UserKey(const std::string& username) {
  ASSIGN_OR_RETURN(std::string digest, crypto::Sha256Hex(absl::AsciiStrToLower(username)));
  return "auth:login-fail:user:" + digest;
}

absl::StatusOr<std::string> AddrKey(const std::string& source_ip) {
  ASSIGN_OR_RETURN(std::string digest, crypto::Sha256Hex(source_ip));
  return "auth:login-fail:addr:" + digest;
}

// INCR, and start the window on the first failure.
const redis::Script& IncrScript() {
  static const auto* const kScript = new redis::Script(
      "local n = redis.call('INCR', KEYS[1])\n"
      "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end\n"
      "return n\n");
  return *kScript;
}

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

absl::Status LoginLimiter::Check(const std::string& username, const std::string& source_ip) {
  ASSIGN_OR_RETURN(std::string user_key, UserKey(username));
  std::vector<std::vector<std::string>> commands = {{"GET", user_key}, {"PTTL", user_key}};
  if (!source_ip.empty()) {
    ASSIGN_OR_RETURN(std::string addr_key, AddrKey(source_ip));
    commands.push_back({"GET", addr_key});
    commands.push_back({"PTTL", addr_key});
  }
  ASSIGN_OR_RETURN(std::vector<redis::Reply> replies, redis_.Pipeline(commands));
  int64_t retry_ms = -1;
  for (size_t i = 0; i + 1 < replies.size(); i += 2) {
    int limit = i == 0 ? limits_.max_failures_per_account : limits_.max_failures_per_address;
    if (replies[i].is_nil()) continue;
    ASSIGN_OR_RETURN(int64_t count, replies[i].AsInteger());
    if (count < limit) continue;
    int64_t ttl = replies[i + 1].integer();
    retry_ms = std::max(retry_ms, ttl > 0 ? ttl : absl::ToInt64Milliseconds(limits_.window));
  }
  if (retry_ms < 0) return absl::OkStatus();
  return RateLimitedError((retry_ms + 999) / 1000);
}

absl::Status LoginLimiter::RecordFailure(const std::string& username,
                                         const std::string& source_ip) {
  std::string window = absl::StrCat(absl::ToInt64Milliseconds(limits_.window));
  ASSIGN_OR_RETURN(std::string user_key, UserKey(username));
  RETURN_IF_ERROR(redis_.Eval(IncrScript(), {user_key}, {window}));
  if (source_ip.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::string addr_key, AddrKey(source_ip));
  return redis_.Eval(IncrScript(), {addr_key}, {window}).status();
}

absl::Status LoginLimiter::Reset(const std::string& username) {
  ASSIGN_OR_RETURN(std::string user_key, UserKey(username));
  return redis_.Command({"DEL", user_key}).status();
}

}  // namespace datamesh::auth
