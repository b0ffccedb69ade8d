// A rule group as a Prometheus rule file declares it (rule_loader.h reads the files): recording
// rules (`record`) that store an expression's result as a new series, and alerting rules
// (`alert`) whose expression's result is the set of alerts, each held `for` a while before it
// fires and kept firing `keep_firing_for` after its condition clears. Value types.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/monitoring/promql/labels.h"

namespace datamesh::monitoring::rules {

enum class RuleKind { kRecording, kAlerting };

struct Rule {
  RuleKind kind = RuleKind::kAlerting;
  // The recorded metric name, or the alert's name (its `alertname` label).
  std::string name;
  // The PromQL expression, as written (checked by the loader: it parses and is an instant
  // vector or a scalar).
  std::string expr;
  // Alerting only: how long the condition must hold before the alert fires, and how long a
  // firing alert stays firing after its condition clears.
  absl::Duration for_duration = absl::ZeroDuration();
  absl::Duration keep_firing_for = absl::ZeroDuration();
  // Added to every result (alert labels may hold templates, see rule_template.h).
  promql::Labels labels;
  // Alerting only: `summary`, `description`, `remediation`, ... (templates).
  promql::Labels annotations;
};

struct RuleGroup {
  std::string name;
  // The file the group came from, for errors and the rules listing.
  std::string file;
  // Evaluation interval; zero means the evaluator's default (--rule-interval).
  absl::Duration interval = absl::ZeroDuration();
  std::vector<Rule> rules;
};

}  // namespace datamesh::monitoring::rules
