#include "services/auth/auth_converter.h"

#include "services/auth/audit_log.h"

namespace datamesh::auth {

void ToProto(absl::Time time, google::protobuf::Timestamp* out) {
  int64_t micros = absl::ToUnixMicros(time);
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest * 1000));
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

void ToProto(const UserRecord& user, v1::User* out) {
  out->set_id(user.id);
  out->set_username(user.username);
  out->set_email(user.email);
  out->set_role(user.role);
  out->set_tier(user.tier);
  ToProto(user.created_at, out->mutable_created_at());
}

void ToProto(const ApiKeyRecord& key, v1::ApiKey* out) {
  out->set_id(key.id);
  out->set_name(key.name);
  ToProto(key.created_at, out->mutable_created_at());
  if (key.last_used_at) ToProto(*key.last_used_at, out->mutable_last_used_at());
}

void ToProto(const AuditEntry& entry, v1::AuditRecord* out) {
  out->set_id(entry.id);
  ToProto(entry.time, out->mutable_time());
  out->set_actor(entry.actor);
  out->set_action(entry.action);
  out->set_target(entry.target);
  out->set_outcome(entry.outcome);
  out->set_source_ip(entry.source_ip);
}

void ToProto(const ValidatedCredential& c, v1::ValidateTokenResponse* out) {
  out->set_user_id(c.user_id);
  out->set_username(c.username);
  out->set_role(c.role);
  out->set_tier(c.tier);
  if (c.private_key) {
    out->set_private_key(c.private_key->view().data(), c.private_key->view().size());
  }
  out->set_public_key(c.public_key);
  out->set_key_version(c.key_version);
  out->set_credential_kind(c.kind);
  out->set_api_key_id(c.api_key_id);
  if (c.expires_at) ToProto(*c.expires_at, out->mutable_expires_at());
}

AuditEntry FromProto(const v1::AuditRecord& r) {
  AuditEntry e;
  if (r.has_time()) e.time = FromProto(r.time());
  e.actor = r.actor();
  e.action = r.action();
  e.target = r.target();
  e.outcome = r.outcome();
  e.source_ip = r.source_ip();
  return e;
}

AuditQuery FromProto(const v1::QueryAuditRequest& r) {
  AuditQuery q;
  q.user = r.user();
  q.action = r.action();
  if (r.has_from()) q.from = FromProto(r.from());
  if (r.has_to()) q.to = FromProto(r.to());
  q.limit = ClampPageSize(r.page().limit());
  q.cursor = r.page().cursor();
  return q;
}

}  // namespace datamesh::auth
