// Evaluates one rule group at a time `t`, rule after rule in file order, as Prometheus does: a
// recording rule's result is written back at `t` (so later rules of the group see it), an
// alerting rule's result moves its alerts' states (alert_state.h). A recorded series that
// disappears gets a staleness marker, so it ends at once in queries.
//
// Not thread-safe: one evaluator thread owns a group; Snapshot() copies for readers, and the
// caller serialises it with Evaluate.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/monitoring/alerts/alert_state.h"
#include "services/monitoring/promql/engine.h"
#include "services/monitoring/promql/series_source.h"
#include "services/monitoring/rules/rule.h"

namespace datamesh::monitoring::alerts {

// Where recording rules' samples go: the store in the service, memory in tests. Called once
// per evaluation of a recording rule with all its samples (labels with __name__).
struct RecordedSample {
  promql::Labels labels;
  int64_t t_ms = 0;
  double value = 0;
};
using RecordSink = std::function<absl::Status(const std::vector<RecordedSample>&)>;

// Prometheus' StaleNaN, the value that ends a series at once.
double StaleMarkerValue();

// How one rule did at its last evaluation, for the rules listing.
struct RuleHealth {
  absl::Time last_evaluation = absl::InfinitePast();
  absl::Duration duration = absl::ZeroDuration();
  absl::Status last_error;  // OK when it evaluated
};

struct RuleSnapshot {
  rules::Rule rule;
  RuleHealth health;
  std::vector<Alert> alerts;  // alerting rules only
};

class GroupEvaluator {
 public:
  GroupEvaluator(rules::RuleGroup group, AlertingRule::IdGenerator new_id);

  // Evaluates every rule at `t` over `source`. A rule that fails keeps its previous state and
  // records the error in its health; the others still run. Returns the alerts that started
  // firing or resolved.
  std::vector<AlertChange> Evaluate(const promql::SeriesSource& source, const RecordSink& sink,
                                    absl::Time t);

  std::vector<RuleSnapshot> Snapshot() const;

  // The alerting rule named `name`, or nullptr (state restore after a restart).
  AlertingRule* FindAlertingRule(std::string_view name);

  const rules::RuleGroup& group() const { return group_; }
  absl::Time last_evaluation() const { return last_evaluation_; }

 private:
  struct Entry {
    const rules::Rule* rule;
    std::unique_ptr<AlertingRule> alerting;  // null for recording rules
    RuleHealth health;
    std::set<promql::Labels> recorded;  // series written at the last evaluation
  };

  absl::Status Record(Entry& e, const promql::QueryResult& result, const RecordSink& sink,
                      int64_t t_ms);
  absl::Status EvaluateDetector(const promql::Engine& engine, Entry& e, absl::Time t,
                                std::vector<AlertChange>& changes);

  const rules::RuleGroup group_;
  std::vector<Entry> entries_;
  absl::Time last_evaluation_ = absl::InfinitePast();
};

}  // namespace datamesh::monitoring::alerts
