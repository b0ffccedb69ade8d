// RuleEvaluator: runs the rule groups in the service. Each group is evaluated every interval
// (its own, or the default) over the sample store; recording results are appended to the
// store, alert changes are published (AlertTriggered / AlertResolved) and every group's alerts
// are saved to PostgreSQL after each evaluation.
//
// One replica evaluates at a time: it holds the evaluator lease (alert_table.h) and renews it
// every third of its time to live. A replica that fails to renew stops evaluating at once; the
// next holder first loads each group's saved alerts. When the outage (now minus the group's
// last saved evaluation) is at most `outage_tolerance` (1 h, as Prometheus), alerts are
// restored — pending ones with their `for` progress (the time pending before the outage), and
// firing ones still firing without a second trigger; after a longer outage they start afresh.
//
// Thread-safe: Tick/RenewLease run on the service's periodic tasks; Snapshot on RPC threads.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/monitoring/alerts/alert_table.h"
#include "services/monitoring/alerts/group_evaluator.h"

namespace datamesh::monitoring::alerts {

struct GroupSnapshot {
  std::string name;
  std::string file;
  absl::Duration interval;
  absl::Time last_evaluation = absl::InfinitePast();
  absl::Duration evaluation_time = absl::ZeroDuration();
  std::vector<RuleSnapshot> rules;
};

class RuleEvaluator {
 public:
  struct Options {
    std::string instance_id;  // the lease holder's name
    absl::Duration default_interval = absl::Minutes(1);
    absl::Duration outage_tolerance = absl::Hours(1);
    // How long a lease lasts unless renewed; renewed every third of it.
    absl::Duration lease_ttl = absl::Minutes(3);
  };
  struct Deps {
    const promql::SeriesSource* source = nullptr;
    RecordSink record;
    AlertStateStore* state = nullptr;
    // Called for every alert that starts firing or resolves, with its group's name.
    std::function<void(const std::string& group, const AlertChange&)> publish;
    AlertingRule::IdGenerator new_id;
    std::function<absl::Time()> clock;
    // Optional. Called once per alert that starts firing, before it is published and saved,
    // with the alert and its rule's `for`; what it returns is attached as the explanation.
    std::function<std::vector<SeriesChange>(const Alert&, absl::Duration for_duration,
                                            absl::Time now)>
        explain;
  };

  RuleEvaluator(std::vector<rules::RuleGroup> groups, Options options, Deps deps,
                prometheus::Registry& metrics);

  size_t num_groups() const { return groups_.size(); }
  absl::Duration interval(size_t group) const;

  // Evaluates group `group` now if this replica holds the lease.
  void Tick(size_t group);

  // Takes or renews the lease; restores the saved state when it was not held before; stops
  // evaluation when it cannot be renewed.
  void RenewLease();

  // Gives the lease up (shutdown), so another replica takes over without waiting.
  void Release();

  // Replaces the rules of the group named `group.name` (the admin-managed rules, edited through
  // the API) from its next evaluation on, without a restart. The alerts of rules whose
  // definition did not change are kept; the firing alerts of rules removed or changed resolve
  // (published when this replica evaluates). NOT_FOUND when no group has that name.
  absl::Status ReplaceGroup(rules::RuleGroup group);

  // The groups' definitions as evaluated now (no alerts, no store reads).
  std::vector<rules::RuleGroup> Definitions() const;

  bool leader() const { return leader_.load(); }

  // Every group with its rules and alerts. The lease holder answers from memory; another
  // replica from the states the holder saved (rule health then reads "not evaluated here").
  std::vector<GroupSnapshot> Snapshot() const;

 private:
  struct Group {
    explicit Group(rules::RuleGroup g, AlertingRule::IdGenerator ids)
        : evaluator(std::make_unique<GroupEvaluator>(std::move(g), std::move(ids))) {}
    mutable std::mutex mu;
    std::unique_ptr<GroupEvaluator> evaluator;  // replaced by ReplaceGroup
    absl::Duration evaluation_time = absl::ZeroDuration();
  };

  void Restore(Group& g, absl::Time now);
  void Explain(Group& g, std::vector<AlertChange>& changes, absl::Time now) const;
  std::map<std::string, std::vector<Alert>> AlertsByRule(const Group& g) const;

  const Options options_;
  const Deps deps_;
  std::vector<std::unique_ptr<Group>> groups_;
  std::atomic<bool> leader_{false};
  std::mutex lease_mu_;  // one RenewLease/Release at a time

  prometheus::Gauge& leader_gauge_;
  prometheus::Counter& evaluations_;
  prometheus::Counter& evaluation_failures_;
  prometheus::Counter& save_failures_;
};

}  // namespace datamesh::monitoring::alerts
