// AuthEvents: the events the auth service publishes, each in the standard envelope.
//
// Core NATS (a lost one is tolerable): auth.login, auth.logout, auth.credential.revoked — the
// latter two also let other auth replicas and gateways evict a credential from their caches.
// JetStream (PublishDurable): audit.recorded and auth.user.updated. If no stream captures
// auth.user.updated, it falls back to a core publish (logged) rather than failing the change.
//
// Publishing never fails the caller's action: errors are logged and counted by the caller
// through the returned status.
//
// Thread-safe (Bus is). The bus must outlive this object; a null bus publishes nothing
// (domain tests that do not watch events).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/auth/auth_types.h"
#include "shared/bus/bus.h"

namespace datamesh::auth {

class AuthEvents {
 public:
  AuthEvents(bus::Bus* bus, std::string source) : bus_(bus), source_(std::move(source)) {}

  absl::Status Login(const UserRecord& user, const std::string& source_ip, absl::Time expires_at);
  absl::Status Logout(const std::string& user_id, const std::string& token_hash);
  absl::Status CredentialRevoked(const std::string& user_id, const std::string& token_hash,
                                 const std::string& kind, const std::string& api_key_id);
  // auth.credential.revoked for an S3 key (kind "s3_key", s3_access_key_id set).
  absl::Status S3KeyRevoked(const std::string& user_id, const std::string& access_key_id);
  absl::Status UserUpdated(const UserRecord& user, const std::string& actor_id);
  // Uses the record's id as the event id, so re-publishing a record is de-duplicated.
  absl::Status AuditRecorded(const AuditEntry& entry);

 private:
  absl::Status Core(events::v1::Event event);

  bus::Bus* const bus_;
  const std::string source_;
};

}  // namespace datamesh::auth
