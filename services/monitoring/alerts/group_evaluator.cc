#include "services/monitoring/alerts/group_evaluator.h"

#include <cstring>

#include "absl/time/clock.h"
#include "services/monitoring/detect/detector_eval.h"
#include "services/monitoring/promql/engine.h"

namespace datamesh::monitoring::alerts {
namespace {

// A scalar result is one sample without labels, as Prometheus' rule query function makes it.
promql::Vector AsVector(const promql::QueryResult& r) {
  if (r.type == promql::ValueType::kScalar) return {promql::VectorSample{{}, r.scalar}};
  return r.vector;
}

}  // namespace

double StaleMarkerValue() {
  constexpr uint64_t kBits = 0x7ff0000000000002ull;
  double v;
  std::memcpy(&v, &kBits, sizeof v);
  return v;
}

GroupEvaluator::GroupEvaluator(rules::RuleGroup group, AlertingRule::IdGenerator new_id)
    : group_(std::move(group)) {
  for (const rules::Rule& r : group_.rules) {
    Entry e{&r, nullptr, {}, {}};
    if (r.kind == rules::RuleKind::kAlerting) {
      e.alerting = std::make_unique<AlertingRule>(r, new_id);
    }
    entries_.push_back(std::move(e));
  }
}

absl::Status GroupEvaluator::Record(Entry& e, const promql::QueryResult& result,
                                    const RecordSink& sink, int64_t t_ms) {
  std::vector<RecordedSample> out;
  std::set<promql::Labels> written;
  for (const promql::VectorSample& s : AsVector(result)) {
    promql::Labels labels = s.labels;
    promql::SetLabel(labels, promql::kMetricNameLabel, e.rule->name);
    for (const promql::Label& l : e.rule->labels) promql::SetLabel(labels, l.name, l.value);
    if (!written.insert(labels).second) {
      return absl::InvalidArgumentError(
          "vector contains metrics with the same labelset after applying rule labels");
    }
    out.push_back({std::move(labels), t_ms, s.value});
  }
  for (const promql::Labels& gone : e.recorded) {
    if (!written.contains(gone)) out.push_back({gone, t_ms, StaleMarkerValue()});
  }
  if (absl::Status s = sink(out); !s.ok()) return s;
  e.recorded = std::move(written);
  return absl::OkStatus();
}

std::vector<AlertChange> GroupEvaluator::Evaluate(const promql::SeriesSource& source,
                                                  const RecordSink& sink, absl::Time t) {
  const int64_t t_ms = absl::ToUnixMillis(t);
  std::vector<AlertChange> changes;
  const promql::Engine engine(source);
  for (Entry& e : entries_) {
    const absl::Time started = absl::Now();
    if (e.rule->detector != rules::Detector::kCondition) {
      e.health = RuleHealth{t, absl::ZeroDuration(), EvaluateDetector(engine, e, t, changes)};
      e.health.duration = absl::Now() - started;
      continue;
    }
    absl::StatusOr<promql::QueryResult> result = engine.InstantQuery(e.rule->expr, t_ms);
    absl::Status status = result.status();
    if (status.ok() && e.alerting) {
      absl::StatusOr<std::vector<AlertChange>> c = e.alerting->Apply(AsVector(*result), t);
      status = c.status();
      if (c.ok()) changes.insert(changes.end(), c->begin(), c->end());
    } else if (status.ok()) {
      status = Record(e, *result, sink, t_ms);
    }
    e.health = RuleHealth{t, absl::Now() - started, status};
  }
  last_evaluation_ = t;
  return changes;
}

// Anomaly and forecast rules: the detector gives the alerting series and their figures.
absl::Status GroupEvaluator::EvaluateDetector(const promql::Engine& engine, Entry& e,
                                              absl::Time t, std::vector<AlertChange>& changes) {
  absl::StatusOr<detect::DetectorOutput> out =
      detect::EvaluateDetector(engine, *e.rule, absl::ToUnixMillis(t));
  if (!out.ok()) return out.status();
  absl::StatusOr<std::vector<AlertChange>> c = e.alerting->Apply(out->samples, t, out->annotations);
  if (!c.ok()) return c.status();
  changes.insert(changes.end(), c->begin(), c->end());
  return absl::OkStatus();
}

std::vector<RuleSnapshot> GroupEvaluator::Snapshot() const {
  std::vector<RuleSnapshot> out;
  for (const Entry& e : entries_) {
    out.push_back({*e.rule, e.health, e.alerting ? e.alerting->Alerts() : std::vector<Alert>{}});
  }
  return out;
}

AlertingRule* GroupEvaluator::FindAlertingRule(std::string_view name) {
  for (Entry& e : entries_) {
    if (e.alerting && e.rule->name == name) return e.alerting.get();
  }
  return nullptr;
}

}  // namespace datamesh::monitoring::alerts
