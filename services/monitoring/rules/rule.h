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

// What an alerting rule's expression means. kCondition is a rule file's: the result is the set
// of alerts. The other two are admin-managed kinds PromQL cannot express (detect/): `expr` is the
// watched series, and a detector turns its history into alerts. They never appear in rule files,
// so those always pass `promtool check rules`.
enum class Detector { kCondition, kAnomaly, kForecast };

// Robust z-score of the latest value against the baseline's median and MAD (detect/anomaly.h).
struct AnomalyParams {
  absl::Duration baseline = absl::Hours(24 * 7);
  double z_threshold = 6;
  absl::Duration min_history = absl::Hours(24);
};

// "Reaches `limit` within `horizon`" from a linear fit over `lookback` (detect/forecast.h).
struct ForecastParams {
  absl::Duration lookback = absl::Hours(6);
  absl::Duration horizon = absl::Hours(24 * 7);
  double limit = 0;
  bool rising = true;  // false: falling to the limit
};

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
  // Alerting only: kCondition for rule files; the parameters of the other kinds.
  Detector detector = Detector::kCondition;
  AnomalyParams anomaly;
  ForecastParams forecast;
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
