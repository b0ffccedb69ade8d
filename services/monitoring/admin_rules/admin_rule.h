// Admin-managed alert rules: the AlertRule message of the rule CRUD RPCs, checked and turned
// into the evaluator's rules::Rule.
//
// Every rule, whatever its kind, goes through the rule-file loader (rules/rule_loader.h): it is
// written out as a one-rule Prometheus rule file and read back, so it passes exactly the checks
// a shipped rule passes — the expression parses with the service's PromQL parser and is an
// instant vector, names and templates are valid. A rule that does not load is never stored.
//
// Kinds (AlertRule.kind):
//   PROMQL          `expr` is the condition, as in a rule file
//   THRESHOLD       `(series) <comparator> threshold`
//   RATE_OF_CHANGE  `deriv(selector[window]) <comparator> threshold` (per second)
//   ABSENCE         `absent_over_time(selector[window])`
//   ANOMALY         detect/anomaly.h over `window` (default 7d), z `threshold` (default 6),
//                   `min_history` (default a quarter of the window)
//   FORECAST        detect/forecast.h: fit over `window` (default 6h), `threshold` the limit,
//                   `horizon` (default 7d), comparator GREATER (rising, default) or LESS
// "series" is `expr`, or the selector `metric{labels...}`; RATE_OF_CHANGE and ABSENCE need the
// selector form. `severity` (info, warning or critical; default warning) is the alert label
// `severity`; `message` and `description` fill the `summary` and `description` annotations
// when those are absent.
//
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "datamesh/monitoring/v1/monitoring.pb.h"
#include "services/monitoring/rules/rule.h"

namespace datamesh::monitoring::admin_rules {

// The group admin rules are evaluated in; refused as a rule-file group name.
inline constexpr char kAdminGroup[] = "admin";

// Checks `in` and fills its defaults (kind-specific windows, severity, annotations from
// message/description). INVALID_ARGUMENT naming the field and the problem. `id`, `read_only`,
// `group` and `yaml` are outputs and ignored.
absl::StatusOr<v1::AlertRule> Normalize(const v1::AlertRule& in);

// The evaluator's rule for a normalized AlertRule.
absl::StatusOr<rules::Rule> ToRule(const v1::AlertRule& rule);

// A rule as YAML (CreateAlertRuleRequest.rule_yaml): one rule mapping (`alert`, `expr`, `for`,
// `keep_firing_for`, `labels`, `annotations`, plus `kind: promql|anomaly|forecast`, `window`,
// `threshold`, `horizon`, `min_history`, `direction: rising|falling`, `enabled`), or a
// Prometheus rule file holding exactly one alerting rule. Not yet normalized.
absl::StatusOr<v1::AlertRule> FromYaml(std::string_view yaml);

// The rule's YAML: a Prometheus rule file's rule for the PromQL-expressible kinds (the
// generated expression), the FromYaml form for anomaly and forecast.
std::string ToYaml(const v1::AlertRule& rule);

// A shipped rule (or one of --rule-files), listed read-only with id "<group>/<name>".
v1::AlertRule FromFileRule(const rules::Rule& rule, const std::string& group);

}  // namespace datamesh::monitoring::admin_rules
