// The SQL of rule evaluation state (migrations/0003_alert_states.sql): each group's alerts and
// last evaluation time, saved after every evaluation and loaded when a replica takes over; and
// the evaluator lease, so one replica evaluates at a time.
//
// Errors: UNAVAILABLE / DEADLINE_EXCEEDED from the pool; DATA_LOSS for a row that does not
// decode. Thread-safe (the pool is); the pool must outlive the table.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/monitoring/alerts/alert_state.h"
#include "shared/pg/pool.h"

namespace datamesh::monitoring::alerts {

struct StoredGroup {
  absl::Time last_evaluation = absl::InfinitePast();  // InfinitePast: never evaluated
  std::map<std::string, std::vector<Alert>> alerts_by_rule;
};

// The seam the evaluator saves through: PostgreSQL in the service (AlertTable), memory in
// its unit tests.
class AlertStateStore {
 public:
  virtual ~AlertStateStore() = default;
  virtual absl::Status SaveGroup(
      const std::string& group, absl::Time evaluated_at,
      const std::map<std::string, std::vector<Alert>>& alerts_by_rule) = 0;
  virtual absl::StatusOr<StoredGroup> LoadGroup(const std::string& group) = 0;
  virtual absl::StatusOr<bool> AcquireLease(const std::string& holder, absl::Duration ttl) = 0;
  virtual absl::Status ReleaseLease(const std::string& holder) = 0;
};

class AlertTable final : public AlertStateStore {
 public:
  explicit AlertTable(pg::Pool& pool) : pool_(pool) {}

  // Replaces the group's stored alerts with `alerts_by_rule` and records `evaluated_at`, in one
  // transaction.
  absl::Status SaveGroup(const std::string& group, absl::Time evaluated_at,
                         const std::map<std::string, std::vector<Alert>>& alerts_by_rule) override;

  absl::StatusOr<StoredGroup> LoadGroup(const std::string& group) override;

  // Takes or renews the lease for `holder` until now + ttl (the database's clock): true when
  // `holder` holds it afterwards, false when another holder's lease has not expired.
  absl::StatusOr<bool> AcquireLease(const std::string& holder, absl::Duration ttl) override;

  // Gives the lease up if `holder` has it, so another replica takes over at once.
  absl::Status ReleaseLease(const std::string& holder) override;

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::monitoring::alerts
