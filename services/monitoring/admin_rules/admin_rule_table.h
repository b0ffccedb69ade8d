// The admin-managed rules in PostgreSQL (migrations/0006_admin_rules.sql): each row the
// normalized AlertRule as proto JSON, its id (a UUID) and its unique name. Every replica reads
// the table; the one holding the evaluator lease evaluates what it read.
//
// Thread-safe (the pool is).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datamesh/monitoring/v1/monitoring.pb.h"
#include "shared/pg/pool.h"

namespace datamesh::monitoring::admin_rules {

class AdminRuleTable {
 public:
  explicit AdminRuleTable(pg::Pool& pool) : pool_(pool) {}

  // Every rule, ordered by name. DATA_LOSS when a row does not parse.
  absl::StatusOr<std::vector<v1::AlertRule>> List();

  // Inserts `rule` (with its id). ALREADY_EXISTS when the id or name is taken.
  absl::Status Insert(const v1::AlertRule& rule);

  // Replaces the rule with `rule.id()`. NOT_FOUND when there is none; ALREADY_EXISTS when the
  // new name is another rule's.
  absl::Status Update(const v1::AlertRule& rule);

  // NOT_FOUND when there is no rule `id`.
  absl::Status Delete(const std::string& id);

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::monitoring::admin_rules
