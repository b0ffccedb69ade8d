// The rule CRUD RPCs' logic (CreateAlertRule, GetAlertRule, ListAlertRules, UpdateAlertRule,
// DeleteAlertRule) over the admin rule table, and the hand-over of the admin rules to the
// evaluator's "admin" group.
//
// Reload() reads the table and, when it changed, replaces the group's rules (the evaluator
// keeps the alerts of unchanged rules). Every replica calls it before each evaluation of the
// group, and after each change it makes itself, so an edit made on any replica is evaluated at
// the next evaluation, without a restart. Disabled rules are stored and listed, not evaluated.
// Shipped rules (and those of --rule-files) are listed read-only; their names are reserved.
//
// Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datamesh/monitoring/v1/monitoring.pb.h"
#include "services/monitoring/admin_rules/admin_rule_table.h"
#include "services/monitoring/alerts/rule_evaluator.h"

namespace datamesh::monitoring::admin_rules {

class AdminRules {
 public:
  // `table` and `evaluator` must outlive this; the evaluator must have a group kAdminGroup.
  AdminRules(AdminRuleTable& table, alerts::RuleEvaluator& evaluator,
             std::function<std::string()> new_id);

  absl::Status Reload();

  absl::StatusOr<v1::AlertRule> Create(const v1::CreateAlertRuleRequest& request);
  absl::StatusOr<v1::AlertRule> Get(const std::string& id);
  absl::StatusOr<std::vector<v1::AlertRule>> List();
  absl::StatusOr<v1::AlertRule> Update(const v1::UpdateAlertRuleRequest& request);
  absl::Status Delete(const std::string& id);

 private:
  // The request's rule (`rule` or `rule_yaml`), normalized, with its name checked against the
  // read-only rules.
  absl::StatusOr<v1::AlertRule> Checked(const v1::AlertRule& rule, const std::string& yaml);
  std::vector<v1::AlertRule> ReadOnlyRules() const;
  v1::AlertRule WithOutputs(v1::AlertRule rule) const;

  AdminRuleTable& table_;
  alerts::RuleEvaluator& evaluator_;
  const std::function<std::string()> new_id_;
  const std::string promtool_;  // "" when promtool is not on the machine
  std::mutex reload_mu_;
  std::string loaded_;  // the enabled rules last handed to the evaluator, serialized
};

}  // namespace datamesh::monitoring::admin_rules
