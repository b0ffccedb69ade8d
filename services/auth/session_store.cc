#include "services/auth/session_store.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/crypto/encoding.h"
#include "shared/status/status.h"

namespace datamesh::auth {
namespace {

using crypto::Base64Variant;

std::string SessionKey(const std::string& hash) { return "auth:session:" + hash; }
std::string UserSessionsKey(const std::string& user_id) { return "auth:user-sessions:" + user_id; }

// GET and DEL in one step, so a session is ended exactly once even when two logouts race.
const redis::Script& TakeScript() {
  static const auto* const kScript = new redis::Script(
      "local v = redis.call('GET', KEYS[1])\n"
      "if v then redis.call('DEL', KEYS[1]) end\n"
      "return v\n");
  return *kScript;
}

absl::StatusOr<std::optional<SessionRecord>> DecodeReply(const redis::Reply& reply) {
  if (reply.is_nil()) return std::optional<SessionRecord>();
  ASSIGN_OR_RETURN(std::string value, reply.AsString());
  ASSIGN_OR_RETURN(SessionRecord session, DecodeSession(value));
  return std::optional<SessionRecord>(std::move(session));
}

}  // namespace

std::string EncodeSession(const SessionRecord& s) {
  return absl::StrCat("v1|", s.user_id, "|", absl::ToUnixMicros(s.expires_at), "|",
                      crypto::Base64Encode(s.sealed.salt, Base64Variant::kUrlSafe), "|",
                      crypto::Base64Encode(s.sealed.blob, Base64Variant::kUrlSafe));
}

absl::StatusOr<SessionRecord> DecodeSession(const std::string& value) {
  std::vector<std::string> parts = absl::StrSplit(value, '|');
  SessionRecord s;
  int64_t micros = 0;
  if (parts.size() != 5 || parts[0] != "v1" || !absl::SimpleAtoi(parts[2], &micros)) {
    return absl::InternalError("malformed session record");
  }
  auto salt = crypto::Base64Decode(parts[3], Base64Variant::kUrlSafe);
  auto blob = crypto::Base64Decode(parts[4], Base64Variant::kUrlSafe);
  if (!salt.ok() || !blob.ok()) return absl::InternalError("malformed session record");
  s.user_id = parts[1];
  s.expires_at = absl::FromUnixMicros(micros);
  s.sealed = SealedKey{*std::move(salt), *std::move(blob)};
  return s;
}

absl::Status SessionStore::Put(const std::string& token_hash, const SessionRecord& session) {
  int64_t ttl_ms = absl::ToInt64Milliseconds(session.expires_at - absl::Now());
  if (ttl_ms <= 0) return absl::InvalidArgumentError("session already expired");
  std::string ttl = absl::StrCat(ttl_ms);
  ASSIGN_OR_RETURN(
      std::vector<redis::Reply> replies,
      redis_.Pipeline({{"SET", SessionKey(token_hash), EncodeSession(session), "PX", ttl},
                       {"SADD", UserSessionsKey(session.user_id), token_hash},
                       {"PEXPIRE", UserSessionsKey(session.user_id), ttl, "GT"},
                       {"PEXPIRE", UserSessionsKey(session.user_id), ttl, "NX"}}));
  for (const redis::Reply& r : replies) {
    if (r.is_error()) return absl::InternalError("redis: " + r.str());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<SessionRecord>> SessionStore::Get(const std::string& token_hash) {
  ASSIGN_OR_RETURN(redis::Reply reply, redis_.Command({"GET", SessionKey(token_hash)}));
  return DecodeReply(reply);
}

absl::StatusOr<std::optional<SessionRecord>> SessionStore::Take(const std::string& token_hash) {
  ASSIGN_OR_RETURN(redis::Reply reply, redis_.Eval(TakeScript(), {SessionKey(token_hash)}, {}));
  ASSIGN_OR_RETURN(std::optional<SessionRecord> session, DecodeReply(reply));
  if (session) {
    // Best effort: a stale member only costs a lookup that finds nothing.
    (void)redis_.Command({"SREM", UserSessionsKey(session->user_id), token_hash});
  }
  return session;
}

absl::StatusOr<std::vector<std::string>> SessionStore::ListForUser(const std::string& user_id) {
  ASSIGN_OR_RETURN(redis::Reply reply, redis_.Command({"SMEMBERS", UserSessionsKey(user_id)}));
  std::vector<std::string> out;
  for (const redis::Reply& r : reply.elements()) out.push_back(r.str());
  return out;
}

}  // namespace datamesh::auth
