#include "services/auth/auth_events.h"

#include "shared/bus/event.h"
#include "shared/log/log.h"

namespace datamesh::auth {
namespace {

void SetTime(google::protobuf::Timestamp* ts, absl::Time t) {
  int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(rest * 1000));
}

void Warn(const absl::Status& s, const char* type) {
  if (!s.ok()) log::Warn("event not published", {{"type", type}, {"error", s.ToString()}});
}

}  // namespace

absl::Status AuthEvents::Core(events::v1::Event event) {
  if (bus_ == nullptr) return absl::OkStatus();
  event.set_request_id(log::CurrentRequestId());
  absl::Status s = bus_->PublishEvent(event);
  Warn(s, event.type().c_str());
  return s;
}

absl::Status AuthEvents::Login(const UserRecord& user, const std::string& source_ip,
                               absl::Time expires_at) {
  events::v1::Event e = bus::NewEvent("auth.login", source_);
  e.set_subject_user(user.id);
  auto* p = e.mutable_auth_login();
  p->set_user_id(user.id);
  p->set_username(user.username);
  p->set_source_ip(source_ip);
  SetTime(p->mutable_expires_at(), expires_at);
  return Core(std::move(e));
}

absl::Status AuthEvents::Logout(const std::string& user_id, const std::string& token_hash) {
  events::v1::Event e = bus::NewEvent("auth.logout", source_);
  e.set_subject_user(user_id);
  e.mutable_auth_logout()->set_user_id(user_id);
  e.mutable_auth_logout()->set_token_hash(token_hash);
  return Core(std::move(e));
}

absl::Status AuthEvents::CredentialRevoked(const std::string& user_id,
                                           const std::string& token_hash, const std::string& kind,
                                           const std::string& api_key_id) {
  events::v1::Event e = bus::NewEvent("auth.credential.revoked", source_);
  e.set_subject_user(user_id);
  auto* p = e.mutable_credential_revoked();
  p->set_user_id(user_id);
  p->set_token_hash(token_hash);
  p->set_kind(kind);
  p->set_api_key_id(api_key_id);
  return Core(std::move(e));
}

absl::Status AuthEvents::S3KeyRevoked(const std::string& user_id,
                                      const std::string& access_key_id) {
  events::v1::Event e = bus::NewEvent("auth.credential.revoked", source_);
  e.set_subject_user(user_id);
  auto* p = e.mutable_credential_revoked();
  p->set_user_id(user_id);
  p->set_kind("s3_key");
  p->set_s3_access_key_id(access_key_id);
  return Core(std::move(e));
}

absl::Status AuthEvents::UserUpdated(const UserRecord& user, const std::string& actor_id) {
  if (bus_ == nullptr) return absl::OkStatus();
  events::v1::Event e = bus::NewEvent("auth.user.updated", source_);
  e.set_subject_user(user.id);
  e.set_request_id(log::CurrentRequestId());
  auto* p = e.mutable_user_updated();
  p->set_user_id(user.id);
  p->set_role(user.role);
  p->set_tier(user.tier);
  p->set_actor_id(actor_id);
  absl::Status s = bus_->PublishDurable(e);
  if (absl::IsFailedPrecondition(s)) {
    // No stream captures the subject: core subscribers still hear it.
    log::Warn("no JetStream stream captures auth.user.updated; published on core NATS");
    s = bus_->PublishEvent(e);
  }
  Warn(s, "auth.user.updated");
  return s;
}

absl::Status AuthEvents::AuditRecorded(const AuditEntry& entry) {
  if (bus_ == nullptr) return absl::OkStatus();
  events::v1::Event e = bus::NewEvent("audit.recorded", source_);
  e.set_id(entry.id);
  e.set_request_id(log::CurrentRequestId());
  auto* p = e.mutable_audit_recorded();
  p->set_id(entry.id);
  SetTime(p->mutable_time(), entry.time);
  p->set_actor(entry.actor);
  p->set_action(entry.action);
  p->set_target(entry.target);
  p->set_outcome(entry.outcome);
  p->set_source_ip(entry.source_ip);
  absl::Status s = bus_->PublishDurable(e);
  Warn(s, "audit.recorded");
  return s;
}

}  // namespace datamesh::auth
