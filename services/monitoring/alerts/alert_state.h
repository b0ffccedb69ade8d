// The life of the alerts of one alerting rule, as Prometheus 2.42 runs it (rules/alerting.go):
//
//   inactive --(expr returns the label set)--> pending --(held `for`)--> firing
//   pending  --(label set gone)--> dropped (never fired, nothing to resolve)
//   firing   --(label set gone for `keep_firing_for`)--> inactive (resolved), kept 15 minutes
//                                                         so readers see it resolved
//
// An alert is one label set of the rule's result: the sample's labels without __name__, the
// rule's labels (templates expanded) and `alertname`. Each episode gets a fresh id.
//
// Not thread-safe: one evaluator owns a rule's state; readers get copies (Alerts()).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/monitoring/promql/engine.h"
#include "services/monitoring/rules/rule.h"

namespace datamesh::monitoring::alerts {

enum class AlertState { kInactive, kPending, kFiring };

// "inactive", "pending", "firing".
std::string_view AlertStateName(AlertState s);

// How long a resolved alert stays listed (Prometheus' resolvedRetention).
inline constexpr absl::Duration kResolvedRetention = absl::Minutes(15);

// How one stored series moved over a firing alert's window against the baseline before it
// (analytics/explanation.h computes them).
struct SeriesChange {
  promql::Labels labels;  // with __name__
  double baseline_mean = 0;
  double window_mean = 0;
  double change_ratio = 0;  // (window - baseline) / |baseline|; NaN when the baseline is 0
  double score = 0;         // the ranking key (explanation.h)
  bool rate = false;        // a counter's per-second rate was compared
};

struct Alert {
  std::string id;
  promql::Labels labels;       // alertname, the sample's labels, the rule's labels
  promql::Labels annotations;  // expanded
  AlertState state = AlertState::kPending;
  double value = 0;
  absl::Time active_at = absl::InfinitePast();  // entered pending
  absl::Time fired_at = absl::InfinitePast();
  absl::Time resolved_at = absl::InfinitePast();
  // When its condition last cleared while it kept firing (keep_firing_for); InfinitePast while
  // the condition holds.
  absl::Time keep_firing_since = absl::InfinitePast();
  // Set once, when it starts firing: the series that moved most with it, most moved first.
  std::vector<SeriesChange> explanation;
};

struct AlertChange {
  enum class Kind { kTriggered, kResolved };
  Kind kind;
  Alert alert;  // as it is after the change
};

class AlertingRule {
 public:
  using IdGenerator = std::function<std::string()>;

  // `rule` must be an alerting rule.
  AlertingRule(rules::Rule rule, IdGenerator new_id);

  // Applies one evaluation's result at `t` (after the previous one). Returns the alerts that
  // started firing and those that resolved. INVALID_ARGUMENT (nothing changed) when two samples
  // give the same alert label set.
  absl::StatusOr<std::vector<AlertChange>> Apply(const promql::Vector& result, absl::Time t);
  // The same, each sample's alert also carrying `extra_annotations[i]` (a detector's figures,
  // detect/detector_eval.h); empty or one entry per sample.
  absl::StatusOr<std::vector<AlertChange>> Apply(const promql::Vector& result, absl::Time t,
                                                 const std::vector<promql::Labels>& extra_annotations);

  // Every alert held: pending, firing, and resolved within the retention; ordered by labels.
  std::vector<Alert> Alerts() const;

  // Replaces the held alerts (a restart): see AlertEvaluator for how `for` progress is carried.
  void Restore(std::vector<Alert> alerts);

  // Attaches `explanation` to the held alert with id `id`; false when none has it.
  bool SetExplanation(const std::string& id, std::vector<SeriesChange> explanation);

  const rules::Rule& rule() const { return rule_; }

 private:
  const rules::Rule rule_;
  const IdGenerator new_id_;
  std::map<std::string, Alert> active_;  // by LabelsKey(labels)
};

}  // namespace datamesh::monitoring::alerts
