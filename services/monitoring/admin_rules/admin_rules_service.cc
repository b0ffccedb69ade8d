#include "services/monitoring/admin_rules/admin_rules_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/monitoring/admin_rules/admin_rule.h"
#include "services/monitoring/admin_rules/promtool_check.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::monitoring::admin_rules {

AdminRules::AdminRules(AdminRuleTable& table, alerts::RuleEvaluator& evaluator,
                       std::function<std::string()> new_id)
    : table_(table),
      evaluator_(evaluator),
      new_id_(std::move(new_id)),
      promtool_(FindPromtool()) {}

absl::Status AdminRules::Reload() {
  ASSIGN_OR_RETURN(std::vector<v1::AlertRule> stored, table_.List());
  std::lock_guard<std::mutex> lock(reload_mu_);
  rules::RuleGroup group{.name = kAdminGroup, .file = "(api)"};
  std::string key;
  for (const v1::AlertRule& r : stored) {
    if (!r.enabled()) continue;
    absl::StatusOr<rules::Rule> rule = ToRule(r);
    if (!rule.ok()) {
      // Stored when it loaded; a later version may check more. The others still run.
      log::Warn("an admin rule no longer loads; not evaluated",
                {{"rule", r.name()}, {"error", std::string(rule.status().message())}});
      continue;
    }
    absl::StrAppend(&key, r.SerializeAsString(), "\n");
    group.rules.push_back(*std::move(rule));
  }
  if (key == loaded_) return absl::OkStatus();
  RETURN_IF_ERROR(evaluator_.ReplaceGroup(std::move(group)));
  loaded_ = std::move(key);
  return absl::OkStatus();
}

std::vector<v1::AlertRule> AdminRules::ReadOnlyRules() const {
  std::vector<v1::AlertRule> out;
  for (const rules::RuleGroup& g : evaluator_.Definitions()) {
    if (g.name == kAdminGroup) continue;
    for (const rules::Rule& r : g.rules) {
      if (r.kind == rules::RuleKind::kAlerting) out.push_back(FromFileRule(r, g.name));
    }
  }
  return out;
}

v1::AlertRule AdminRules::WithOutputs(v1::AlertRule rule) const {
  rule.set_group(kAdminGroup);
  rule.set_read_only(false);
  rule.set_yaml(ToYaml(rule));
  return rule;
}

absl::StatusOr<v1::AlertRule> AdminRules::Checked(const v1::AlertRule& rule,
                                                  const std::string& yaml) {
  v1::AlertRule in = rule;
  if (!yaml.empty()) {
    ASSIGN_OR_RETURN(in, FromYaml(yaml));
  }
  ASSIGN_OR_RETURN(v1::AlertRule out, Normalize(in));
  RETURN_IF_ERROR(PromtoolCheck(promtool_, out));
  for (const v1::AlertRule& r : ReadOnlyRules()) {
    if (r.name() == out.name()) {
      return absl::AlreadyExistsError(
          absl::StrCat("a shipped rule is named ", out.name(), " (group ", r.group(), ")"));
    }
  }
  return out;
}

absl::StatusOr<v1::AlertRule> AdminRules::Create(const v1::CreateAlertRuleRequest& request) {
  ASSIGN_OR_RETURN(v1::AlertRule rule, Checked(request.rule(), request.rule_yaml()));
  rule.set_id(new_id_());
  if (absl::Status s = table_.Insert(rule); !s.ok()) {
    if (s.code() == absl::StatusCode::kAlreadyExists) {
      return absl::AlreadyExistsError(absl::StrCat("an alert rule is named ", rule.name()));
    }
    return s;
  }
  if (absl::Status s = Reload(); !s.ok()) {
    log::Warn("admin rules not reloaded; the next evaluation retries",
              {{"error", std::string(s.message())}});
  }
  return WithOutputs(rule);
}

absl::StatusOr<v1::AlertRule> AdminRules::Get(const std::string& id) {
  ASSIGN_OR_RETURN(std::vector<v1::AlertRule> all, List());
  for (v1::AlertRule& r : all) {
    if (r.id() == id) return std::move(r);
  }
  return absl::NotFoundError(absl::StrCat("no alert rule ", id));
}

absl::StatusOr<std::vector<v1::AlertRule>> AdminRules::List() {
  ASSIGN_OR_RETURN(std::vector<v1::AlertRule> out, table_.List());
  for (v1::AlertRule& r : out) r = WithOutputs(std::move(r));
  for (v1::AlertRule& r : ReadOnlyRules()) out.push_back(std::move(r));
  std::stable_sort(out.begin(), out.end(), [](const v1::AlertRule& a, const v1::AlertRule& b) {
    return a.name() < b.name();
  });
  return out;
}

absl::StatusOr<v1::AlertRule> AdminRules::Update(const v1::UpdateAlertRuleRequest& request) {
  const std::string& id = request.rule().id();
  for (const v1::AlertRule& r : ReadOnlyRules()) {
    if (r.id() == id) {
      return absl::FailedPreconditionError(
          absl::StrCat(id, " is a shipped rule: edit its rule file instead"));
    }
  }
  ASSIGN_OR_RETURN(v1::AlertRule rule, Checked(request.rule(), request.rule_yaml()));
  rule.set_id(id);
  if (absl::Status s = table_.Update(rule); !s.ok()) {
    if (s.code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat("no alert rule ", id));
    }
    if (s.code() == absl::StatusCode::kAlreadyExists) {
      return absl::AlreadyExistsError(absl::StrCat("an alert rule is named ", rule.name()));
    }
    return s;
  }
  if (absl::Status s = Reload(); !s.ok()) {
    log::Warn("admin rules not reloaded; the next evaluation retries",
              {{"error", std::string(s.message())}});
  }
  return WithOutputs(rule);
}

absl::Status AdminRules::Delete(const std::string& id) {
  for (const v1::AlertRule& r : ReadOnlyRules()) {
    if (r.id() == id) {
      return absl::FailedPreconditionError(
          absl::StrCat(id, " is a shipped rule: it cannot be deleted"));
    }
  }
  if (absl::Status s = table_.Delete(id); !s.ok()) {
    if (s.code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat("no alert rule ", id));
    }
    return s;
  }
  if (absl::Status s = Reload(); !s.ok()) {
    log::Warn("admin rules not reloaded; the next evaluation retries",
              {{"error", std::string(s.message())}});
  }
  return absl::OkStatus();
}

}  // namespace datamesh::monitoring::admin_rules
