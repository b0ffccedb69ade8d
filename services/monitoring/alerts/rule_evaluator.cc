#include "services/monitoring/alerts/rule_evaluator.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "shared/log/log.h"

namespace datamesh::monitoring::alerts {
namespace {

bool SameRule(const rules::Rule& a, const rules::Rule& b) {
  return a.kind == b.kind && a.name == b.name && a.expr == b.expr &&
         a.for_duration == b.for_duration && a.keep_firing_for == b.keep_firing_for &&
         a.labels == b.labels && a.annotations == b.annotations && a.detector == b.detector &&
         a.anomaly.baseline == b.anomaly.baseline &&
         a.anomaly.z_threshold == b.anomaly.z_threshold &&
         a.anomaly.min_history == b.anomaly.min_history &&
         a.forecast.lookback == b.forecast.lookback && a.forecast.horizon == b.forecast.horizon &&
         a.forecast.limit == b.forecast.limit && a.forecast.rising == b.forecast.rising;
}

prometheus::Counter& Counter(prometheus::Registry& r, const std::string& name,
                             const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}

}  // namespace

RuleEvaluator::RuleEvaluator(std::vector<rules::RuleGroup> groups, Options options, Deps deps,
                             prometheus::Registry& metrics)
    : options_(std::move(options)),
      deps_(std::move(deps)),
      leader_gauge_(prometheus::BuildGauge()
                        .Name("datamesh_monitoring_rule_evaluator_leader")
                        .Help("1 while this replica holds the rule evaluator lease")
                        .Register(metrics)
                        .Add({})),
      evaluations_(Counter(metrics, "datamesh_monitoring_rule_group_evaluations_total",
                           "Rule group evaluations run by this replica")),
      evaluation_failures_(Counter(metrics, "datamesh_monitoring_rule_evaluation_failures_total",
                                   "Rule evaluations that failed (query or label clash)")),
      save_failures_(Counter(metrics, "datamesh_monitoring_alert_state_save_failures_total",
                             "Group alert states that could not be saved to PostgreSQL")) {
  for (rules::RuleGroup& g : groups) {
    groups_.push_back(std::make_unique<Group>(std::move(g), deps_.new_id));
  }
}

absl::Duration RuleEvaluator::interval(size_t group) const {
  const absl::Duration own = groups_[group]->evaluator->group().interval;
  return own > absl::ZeroDuration() ? own : options_.default_interval;
}

std::map<std::string, std::vector<Alert>> RuleEvaluator::AlertsByRule(const Group& g) const {
  std::map<std::string, std::vector<Alert>> out;
  for (const RuleSnapshot& r : g.evaluator->Snapshot()) {
    if (!r.alerts.empty()) out[r.rule.name] = r.alerts;
  }
  return out;
}

void RuleEvaluator::Tick(size_t index) {
  if (!leader_.load()) return;
  Group& g = *groups_[index];
  const std::string& name = g.evaluator->group().name;
  // Held through publishing and saving, so Release() returns only once the state is saved.
  std::lock_guard<std::mutex> lock(g.mu);
  // The lease may have been lost while waiting for the lock.
  if (!leader_.load()) return;
  const absl::Time now = deps_.clock();
  const absl::Time started = absl::Now();
  std::vector<AlertChange> changes = g.evaluator->Evaluate(*deps_.source, deps_.record, now);
  g.evaluation_time = absl::Now() - started;
  Explain(g, changes, now);
  evaluations_.Increment();
  for (const RuleSnapshot& r : g.evaluator->Snapshot()) {
    if (r.health.last_error.ok()) continue;
    evaluation_failures_.Increment();
    log::Warn("rule evaluation failed", {{"group", name},
                                         {"rule", r.rule.name},
                                         {"error", std::string(r.health.last_error.message())}});
  }
  for (const AlertChange& c : changes) deps_.publish(name, c);
  if (absl::Status s = deps_.state->SaveGroup(name, now, AlertsByRule(g)); !s.ok()) {
    save_failures_.Increment();
    log::Warn("could not save alert states; kept in memory and saved after the next evaluation",
              {{"group", name}, {"error", std::string(s.message())}});
  }
}

// Once per firing, not per evaluation: only the change that moved an alert to firing is
// explained, and the explanation is kept with the alert (saved and restored with it).
void RuleEvaluator::Explain(Group& g, std::vector<AlertChange>& changes, absl::Time now) const {
  if (!deps_.explain) return;
  for (AlertChange& c : changes) {
    if (c.kind != AlertChange::Kind::kTriggered) continue;
    AlertingRule* rule =
        g.evaluator->FindAlertingRule(promql::GetLabel(c.alert.labels, "alertname"));
    if (rule == nullptr) continue;
    c.alert.explanation = deps_.explain(c.alert, rule->rule().for_duration, now);
    rule->SetExplanation(c.alert.id, c.alert.explanation);
  }
}

void RuleEvaluator::Restore(Group& g, absl::Time now) {
  const std::string& name = g.evaluator->group().name;
  absl::StatusOr<StoredGroup> stored = deps_.state->LoadGroup(name);
  if (!stored.ok()) {
    log::Warn("could not load saved alert states; the group starts afresh",
              {{"group", name}, {"error", std::string(stored.status().message())}});
    return;
  }
  const absl::Duration outage = now - stored->last_evaluation;
  if (stored->last_evaluation == absl::InfinitePast() || outage > options_.outage_tolerance) {
    for (const auto& [rule, alerts] : stored->alerts_by_rule) {
      if (AlertingRule* r = g.evaluator->FindAlertingRule(rule)) r->Restore({});
    }
    return;
  }
  for (auto& [rule, alerts] : stored->alerts_by_rule) {
    AlertingRule* r = g.evaluator->FindAlertingRule(rule);
    if (r == nullptr) continue;  // the rule is gone from the files
    for (Alert& a : alerts) {
      // The outage does not count towards `for`: only the time pending before it does.
      if (a.state == AlertState::kPending) a.active_at += outage;
    }
    r->Restore(std::move(alerts));
  }
  log::Info("alert states restored",
            {{"group", name}, {"outage_s", absl::ToDoubleSeconds(outage)}});
}

void RuleEvaluator::RenewLease() {
  std::lock_guard<std::mutex> lease_lock(lease_mu_);
  absl::StatusOr<bool> held = deps_.state->AcquireLease(options_.instance_id, options_.lease_ttl);
  if (!held.ok() || !*held) {
    if (leader_.exchange(false)) {
      log::Warn("rule evaluator lease lost; this replica stops evaluating",
                {{"error", held.ok() ? std::string("held by another replica")
                                     : std::string(held.status().message())}});
    }
    leader_gauge_.Set(0);
    return;
  }
  if (leader_.load()) return;
  const absl::Time now = deps_.clock();
  for (auto& g : groups_) {
    std::lock_guard<std::mutex> lock(g->mu);
    Restore(*g, now);
  }
  leader_.store(true);
  leader_gauge_.Set(1);
  log::Info("rule evaluator lease taken; evaluating", {{"groups", groups_.size()}});
}

void RuleEvaluator::Release() {
  std::lock_guard<std::mutex> lease_lock(lease_mu_);
  if (!leader_.exchange(false)) return;
  leader_gauge_.Set(0);
  // Wait for running evaluations to finish and save before the next holder loads.
  for (auto& g : groups_) std::lock_guard<std::mutex> lock(g->mu);
  if (absl::Status s = deps_.state->ReleaseLease(options_.instance_id); !s.ok()) {
    log::Warn("could not release the rule evaluator lease; it expires on its own",
              {{"error", std::string(s.message())}});
  }
}

absl::Status RuleEvaluator::ReplaceGroup(rules::RuleGroup group) {
  for (auto& g : groups_) {
    if (g->evaluator->group().name != group.name) continue;
    std::lock_guard<std::mutex> lock(g->mu);
    auto next = std::make_unique<GroupEvaluator>(std::move(group), deps_.new_id);
    const absl::Time now = deps_.clock();
    std::vector<AlertChange> resolved;
    for (const rules::Rule& old_rule : g->evaluator->group().rules) {
      AlertingRule* old_alerts = g->evaluator->FindAlertingRule(old_rule.name);
      if (old_alerts == nullptr) continue;
      const rules::Rule* kept = nullptr;
      for (const rules::Rule& r : next->group().rules) {
        if (r.name == old_rule.name && SameRule(r, old_rule)) kept = &r;
      }
      if (kept != nullptr) {
        next->FindAlertingRule(kept->name)->Restore(old_alerts->Alerts());
        continue;
      }
      for (Alert a : old_alerts->Alerts()) {
        if (a.state != AlertState::kFiring) continue;
        a.state = AlertState::kInactive;
        a.resolved_at = now;
        resolved.push_back({AlertChange::Kind::kResolved, std::move(a)});
      }
    }
    g->evaluator = std::move(next);
    if (leader_.load()) {
      for (const AlertChange& c : resolved) deps_.publish(g->evaluator->group().name, c);
    }
    return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat("no rule group \"", group.name, "\""));
}

std::vector<rules::RuleGroup> RuleEvaluator::Definitions() const {
  std::vector<rules::RuleGroup> out;
  for (const auto& g : groups_) {
    std::lock_guard<std::mutex> lock(g->mu);
    out.push_back(g->evaluator->group());
  }
  return out;
}

std::vector<GroupSnapshot> RuleEvaluator::Snapshot() const {
  const bool leading = leader_.load();
  std::vector<GroupSnapshot> out;
  for (size_t i = 0; i < groups_.size(); ++i) {
    const Group& g = *groups_[i];
    GroupSnapshot s;
    {
      std::lock_guard<std::mutex> lock(g.mu);
      s = {g.evaluator->group().name,      g.evaluator->group().file, interval(i),
           g.evaluator->last_evaluation(), g.evaluation_time,        g.evaluator->Snapshot()};
    }
    if (!leading) {
      // What this replica evaluated before (if it ever held the lease) is stale.
      s.last_evaluation = absl::InfinitePast();
      s.evaluation_time = absl::ZeroDuration();
      absl::StatusOr<StoredGroup> stored = deps_.state->LoadGroup(s.name);
      for (RuleSnapshot& r : s.rules) {
        r.health = RuleHealth{};
        r.alerts.clear();
        if (!stored.ok()) continue;
        auto it = stored->alerts_by_rule.find(r.rule.name);
        if (it != stored->alerts_by_rule.end()) r.alerts = it->second;
      }
      if (stored.ok()) s.last_evaluation = stored->last_evaluation;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace datamesh::monitoring::alerts
