// AuditStore: the append-only auth.audit_log table and the auth.processed_events ledger of the
// event consumer (PostgreSQL).
//
// Only INSERT and SELECT: the table's trigger refuses UPDATE, DELETE and TRUNCATE. Queries are
// newest first, ordered by (time, seq) so records sharing a time page stably.
//
// Thread-safe; the pool must outlive the store.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/auth/auth_types.h"
#include "shared/pg/pool.h"

namespace datamesh::auth {

class AuditStore {
 public:
  explicit AuditStore(pg::Pool& pool) : pool_(pool) {}

  // Appends `entry` (id and time already set).
  [[nodiscard]] absl::Status Append(const AuditEntry& entry);

  // In one transaction: records `event_id` as processed and, if it was new, appends `entry`.
  // Returns whether the event was new (false: a redelivery; nothing appended).
  [[nodiscard]] absl::StatusOr<bool> AppendForEvent(const std::string& event_id,
                                                    const AuditEntry& entry);

  // The record with this id; NOT_FOUND when absent.
  [[nodiscard]] absl::StatusOr<AuditEntry> Get(const std::string& id);

  // Matching records, newest first, at most query.limit; INVALID_ARGUMENT for a bad cursor.
  [[nodiscard]] absl::StatusOr<Page<AuditEntry>> Query(const AuditQuery& query);

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::auth
