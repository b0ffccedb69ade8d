// AuditLog: the domain of the audit trail. Appends records (assigning id and time), publishes
// each committed record on dm.v1.audit.recorded, answers admin queries, and turns file.deleted
// events into "file.delete" records exactly once (by event id, in the same transaction).
//
// Thread-safe. The store and events must outlive it; a consumer it started must be destroyed
// (Stop or destruction) before them.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/auth/audit_store.h"
#include "services/auth/auth_events.h"
#include "services/auth/auth_types.h"
#include "shared/bus/bus.h"

namespace datamesh::auth {

inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 1000;
// PageRequest.limit: 0 means the default; larger values are clamped.
inline int ClampPageSize(uint32_t limit) {
  if (limit == 0) return kDefaultPageSize;
  return limit > kMaxPageSize ? kMaxPageSize : static_cast<int>(limit);
}

class AuditLog {
 public:
  AuditLog(AuditStore& store, AuthEvents& events) : store_(store), events_(events) {}

  // Appends `entry` (its id is replaced; an unset time becomes now) and publishes it. Returns
  // the new id. INVALID_ARGUMENT: empty action or outcome, or a field over its size limit.
  [[nodiscard]] absl::StatusOr<std::string> Record(AuditEntry entry);

  // Record() for the service's own actions: a failure is logged, never returned, because the
  // action it describes has already happened.
  void RecordInternal(std::string actor, std::string action, std::string target,
                      std::string outcome, std::string source_ip);

  // INVALID_ARGUMENT when from is after to, or for a bad cursor.
  [[nodiscard]] absl::StatusOr<Page<AuditEntry>> Query(const AuditQuery& query);

  // Handles one file.deleted event: appends the record unless the event was handled before.
  [[nodiscard]] absl::Status OnFileDeleted(const events::v1::Event& event);

  // Starts the durable consumer "auth-audit" of dm.v1.file.deleted on the DM_EVENTS stream.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<bus::Consumer>> ConsumeFileDeleted(bus::Bus& bus);

 private:
  AuditStore& store_;
  AuthEvents& events_;
};

}  // namespace datamesh::auth
