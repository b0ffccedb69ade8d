// Conversions between the auth domain's records and the datamesh.auth.v1 messages.
// Pure functions: thread-safe.
#pragma once

#include "absl/time/time.h"
#include "datamesh/auth/v1/auth.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/auth/auth_types.h"

namespace datamesh::auth {

void ToProto(absl::Time time, google::protobuf::Timestamp* out);
absl::Time FromProto(const google::protobuf::Timestamp& ts);

void ToProto(const UserRecord& user, v1::User* out);
void ToProto(const ApiKeyRecord& key, v1::ApiKey* out);
void ToProto(const AuditEntry& entry, v1::AuditRecord* out);
void ToProto(const ValidatedCredential& credential, v1::ValidateTokenResponse* out);
// The record of a RecordAudit request (id ignored; an unset time stays unset).
AuditEntry FromProto(const v1::AuditRecord& record);
AuditQuery FromProto(const v1::QueryAuditRequest& request);

}  // namespace datamesh::auth
