#include "services/quota/quota_consumer.h"

#include "services/quota/quota_domain.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::quota {
namespace {

// A payload that can never be applied is acknowledged (and logged) rather than retried
// forever; quota's ledger simply does not contain it.
absl::Status CheckFileEvent(const std::string& owner, const std::string& file_id, uint64_t size) {
  RETURN_IF_ERROR(ValidateId("owner_id", owner));
  RETURN_IF_ERROR(ValidateId("file_id", file_id));
  return ValidateBytes("size", size);
}

}  // namespace

absl::Status QuotaEventConsumer::Start(bus::Bus& bus, const std::string& durable) {
  RETURN_IF_ERROR(bus.EnsureStream(bus::DurableEventsStream()));
  auto handle = [this](const events::v1::Event& e) { return Handle(e); };
  bus::ConsumerConfig files;
  files.stream = bus::kDurableEventsStreamName;
  files.durable = durable;
  files.filter_subject = bus::SubjectFor("file.>");
  ASSIGN_OR_RETURN(consumer_, bus.ConsumeDurable(files, handle));
  bus::ConsumerConfig users = files;
  users.durable = durable + "-users";
  users.filter_subject = bus::SubjectFor("auth.user.>");
  ASSIGN_OR_RETURN(user_updates_, bus.ConsumeDurable(users, handle));
  return absl::OkStatus();
}

void QuotaEventConsumer::Stop() {
  consumer_.reset();
  user_updates_.reset();
}

absl::Status QuotaEventConsumer::Handle(const events::v1::Event& event) {
  absl::Status malformed;
  absl::StatusOr<bool> applied = false;
  if (event.has_file_stored()) {
    const events::v1::FileStored& e = event.file_stored();
    malformed = CheckFileEvent(e.owner_id(), e.file_id(), e.size());
    if (malformed.ok() && !e.reservation_id().empty()) {
      malformed = ValidateUuid("reservation_id", e.reservation_id());
    }
    if (malformed.ok()) {
      applied = store_.ApplyFileStored(event.id(), e.owner_id(), e.file_id(), e.size(),
                                       e.reservation_id(), clock_());
    }
  } else if (event.has_file_deleted()) {
    const events::v1::FileDeleted& e = event.file_deleted();
    malformed = CheckFileEvent(e.owner_id(), e.file_id(), e.size());
    if (malformed.ok()) {
      applied = store_.ApplyFileDeleted(event.id(), e.owner_id(), e.file_id(), e.size(), clock_());
    }
  } else if (event.has_user_updated()) {
    const events::v1::UserUpdated& e = event.user_updated();
    malformed = ValidateId("user_id", e.user_id());
    if (malformed.ok()) malformed = ValidateTierName(e.tier());
    if (malformed.ok()) {
      const absl::Time as_of = event.has_time() ? absl::FromUnixSeconds(event.time().seconds()) +
                                                      absl::Nanoseconds(event.time().nanos())
                                                : clock_();
      return store_.RememberTier(e.user_id(), e.tier(), as_of);
    }
  }
  if (!malformed.ok()) {
    log::Warn("event ignored",
              {{"event_id", event.id()}, {"type", event.type()}, {"error", malformed.ToString()}});
    return absl::OkStatus();
  }
  if (!applied.ok()) return applied.status();
  if (!*applied) log::Debug("event already counted", {{"event_id", event.id()}});
  return absl::OkStatus();
}

}  // namespace datamesh::quota
