#include "services/monitoring/alerts/alert_state.h"

#include "absl/strings/str_cat.h"
#include "services/monitoring/rules/rule_template.h"

namespace datamesh::monitoring::alerts {
namespace {

// The alert's labels and annotations for one result sample.
Alert FromSample(const rules::Rule& rule, const promql::VectorSample& sample,
                 const promql::Labels& extra_annotations) {
  Alert a;
  a.value = sample.value;
  promql::Labels labels = promql::WithoutMetricName(sample.labels);
  for (const promql::Label& l : rule.labels) {
    promql::SetLabel(labels, l.name, rules::ExpandTemplate(l.value, sample.labels, sample.value));
  }
  promql::SetLabel(labels, "alertname", rule.name);
  a.labels = std::move(labels);
  std::vector<promql::Label> annotations;
  for (const promql::Label& l : rule.annotations) {
    annotations.push_back({l.name, rules::ExpandTemplate(l.value, sample.labels, sample.value)});
  }
  for (const promql::Label& l : extra_annotations) annotations.push_back(l);
  a.annotations = promql::MakeLabels(std::move(annotations));
  return a;
}

}  // namespace

std::string_view AlertStateName(AlertState s) {
  switch (s) {
    case AlertState::kInactive: return "inactive";
    case AlertState::kPending: return "pending";
    case AlertState::kFiring: return "firing";
  }
  return "inactive";
}

AlertingRule::AlertingRule(rules::Rule rule, IdGenerator new_id)
    : rule_(std::move(rule)), new_id_(std::move(new_id)) {}

absl::StatusOr<std::vector<AlertChange>> AlertingRule::Apply(const promql::Vector& result,
                                                             absl::Time t) {
  return Apply(result, t, {});
}

absl::StatusOr<std::vector<AlertChange>> AlertingRule::Apply(
    const promql::Vector& result, absl::Time t,
    const std::vector<promql::Labels>& extra_annotations) {
  std::map<std::string, Alert> current;
  for (size_t i = 0; i < result.size(); ++i) {
    const promql::VectorSample& sample = result[i];
    Alert a = FromSample(rule_, sample,
                         i < extra_annotations.size() ? extra_annotations[i] : promql::Labels{});
    std::string key = promql::LabelsKey(a.labels);
    if (!current.emplace(std::move(key), std::move(a)).second) {
      return absl::InvalidArgumentError(
          "vector contains metrics with the same labelset after applying alert labels");
    }
  }
  std::vector<AlertChange> changes;
  for (auto& [key, fresh] : current) {
    auto it = active_.find(key);
    if (it != active_.end() && it->second.state != AlertState::kInactive) {
      it->second.value = fresh.value;
      it->second.annotations = std::move(fresh.annotations);
      it->second.keep_firing_since = absl::InfinitePast();
      continue;
    }
    fresh.id = new_id_();
    fresh.state = AlertState::kPending;
    fresh.active_at = t;
    active_[key] = std::move(fresh);
  }
  for (auto it = active_.begin(); it != active_.end();) {
    Alert& a = it->second;
    if (!current.contains(it->first)) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && rule_.keep_firing_for > absl::ZeroDuration()) {
        if (a.keep_firing_since == absl::InfinitePast()) a.keep_firing_since = t;
        keep_firing = t - a.keep_firing_since < rule_.keep_firing_for;
      }
      // A pending alert never fired: nothing to resolve. A resolved one is listed a while.
      if (a.state == AlertState::kPending ||
          (a.state == AlertState::kInactive && t - a.resolved_at > kResolvedRetention)) {
        it = active_.erase(it);
        continue;
      }
      if (a.state == AlertState::kFiring && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at = t;
        changes.push_back({AlertChange::Kind::kResolved, a});
      }
      ++it;
      continue;
    }
    if (a.state == AlertState::kPending && t - a.active_at >= rule_.for_duration) {
      a.state = AlertState::kFiring;
      a.fired_at = t;
      changes.push_back({AlertChange::Kind::kTriggered, a});
    }
    ++it;
  }
  return changes;
}

std::vector<Alert> AlertingRule::Alerts() const {
  std::vector<Alert> out;
  out.reserve(active_.size());
  for (const auto& [key, a] : active_) out.push_back(a);
  return out;
}

void AlertingRule::Restore(std::vector<Alert> alerts) {
  active_.clear();
  for (Alert& a : alerts) {
    std::string key = promql::LabelsKey(a.labels);
    active_[std::move(key)] = std::move(a);
  }
}

bool AlertingRule::SetExplanation(const std::string& id, std::vector<SeriesChange> explanation) {
  for (auto& [key, alert] : active_) {
    if (alert.id != id) continue;
    alert.explanation = std::move(explanation);
    return true;
  }
  return false;
}

}  // namespace datamesh::monitoring::alerts
