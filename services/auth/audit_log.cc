#include "services/auth/audit_log.h"

#include "services/auth/store_util.h"
#include "shared/crypto/random.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::auth {
namespace {

constexpr size_t kMaxField = 256;

absl::Status ValidateEntry(const AuditEntry& e) {
  if (e.action.empty()) return absl::InvalidArgumentError("audit action is empty");
  if (e.outcome.empty()) return absl::InvalidArgumentError("audit outcome is empty");
  for (const std::string* f : {&e.actor, &e.action, &e.target, &e.outcome, &e.source_ip}) {
    if (f->size() > kMaxField) return absl::InvalidArgumentError("audit field too long");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> AuditLog::Record(AuditEntry entry) {
  RETURN_IF_ERROR(ValidateEntry(entry));
  ASSIGN_OR_RETURN(entry.id, crypto::NewUuid());
  if (entry.time == absl::UnixEpoch()) entry.time = absl::Now();
  // Timestamps are kept to the microsecond, like PostgreSQL.
  entry.time = absl::FromUnixMicros(absl::ToUnixMicros(entry.time));
  RETURN_IF_ERROR(store_.Append(entry));
  (void)events_.AuditRecorded(entry);
  return entry.id;
}

void AuditLog::RecordInternal(std::string actor, std::string action, std::string target,
                              std::string outcome, std::string source_ip) {
  AuditEntry e{.actor = std::move(actor),
               .action = std::move(action),
               .target = std::move(target),
               .outcome = std::move(outcome),
               .source_ip = std::move(source_ip)};
  if (e.source_ip.size() > kMaxField) e.source_ip.resize(kMaxField);
  auto id = Record(std::move(e));
  if (!id.ok()) log::Error("audit record lost", {{"error", id.status().ToString()}});
}

absl::StatusOr<Page<AuditEntry>> AuditLog::Query(const AuditQuery& query) {
  if (query.from && query.to && *query.from > *query.to) {
    return absl::InvalidArgumentError("'from' is after 'to'");
  }
  if (query.user.size() > kMaxField || query.action.size() > kMaxField) {
    return absl::InvalidArgumentError("filter too long");
  }
  return store_.Query(query);
}

absl::Status AuditLog::OnFileDeleted(const events::v1::Event& event) {
  if (!event.has_file_deleted()) return absl::OkStatus();  // not ours to record
  const auto& d = event.file_deleted();
  // A multipart part leaving is quota's business; the object's own deletion is what users see.
  if (d.multipart_part()) return absl::OkStatus();
  AuditEntry e;
  // The event id doubles as the record id: a redelivery re-publishes the same record, which
  // the stream de-duplicates.
  e.id = internal::IsUuid(event.id()) ? event.id() : bus::NewUuidV4();
  e.time = bus::EventTime(event);
  e.time = absl::FromUnixMicros(absl::ToUnixMicros(e.time));
  e.actor = d.actor_id().empty() ? d.owner_id() : d.actor_id();
  e.action = "file.delete";
  e.target = d.file_id();
  e.outcome = "success";
  if (!ValidateEntry(e).ok()) return absl::OkStatus();  // malformed: nothing to keep
  ASSIGN_OR_RETURN(bool fresh, store_.AppendForEvent(event.id(), e));
  if (!fresh) {
    // Handled before; the publish may not have happened, so repeat it from the stored record.
    auto stored = store_.Get(e.id);
    if (!stored.ok()) return absl::OkStatus();
    e = *std::move(stored);
  }
  return events_.AuditRecorded(e);
}

absl::StatusOr<std::unique_ptr<bus::Consumer>> AuditLog::ConsumeFileDeleted(bus::Bus& bus) {
  bus::ConsumerConfig config;
  config.stream = bus::kDurableEventsStreamName;
  config.durable = "auth-audit";
  config.filter_subject = bus::SubjectFor("file.deleted");
  return bus.ConsumeDurable(
      config, [this](const events::v1::Event& event) { return OnFileDeleted(event); });
}

}  // namespace datamesh::auth
