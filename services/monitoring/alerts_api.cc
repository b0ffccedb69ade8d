#include "services/monitoring/alerts_api.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "services/monitoring/exposition/text_util.h"
#include "services/monitoring/prometheus_api.h"
#include "services/monitoring/rules/prom_duration.h"

namespace datamesh::monitoring {
namespace {

using google::protobuf::util::TimeUtil;
using Json = nlohmann::ordered_json;

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(t));
}

google::protobuf::Duration ToDuration(absl::Duration d) {
  return TimeUtil::MillisecondsToDuration(absl::ToInt64Milliseconds(d));
}

// "resolved" is how the API names a kept inactive alert.
std::string ApiState(alerts::AlertState s) {
  return s == alerts::AlertState::kInactive ? "resolved" : std::string(alerts::AlertStateName(s));
}

// Go's time.Time JSON: RFC 3339 with as many fractional digits as needed; the zero time when
// never set.
std::string GoTime(absl::Time t) {
  if (t == absl::InfinitePast()) return "0001-01-01T00:00:00Z";
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

// strconv.FormatFloat(v, 'e', -1, 64), as Prometheus writes alert values.
std::string GoExp(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  return std::string(buf, r.ptr);
}

// A float64 as Go's encoding/json writes it: whole numbers without a fraction ("60", not
// "60.0" as nlohmann writes a double).
Json GoNumber(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    return static_cast<int64_t>(v);
  }
  return v;
}

Json Seconds(absl::Duration d) { return GoNumber(absl::ToDoubleSeconds(d)); }

Json LabelsJson(const promql::Labels& labels) {
  Json o = Json::object();
  for (const promql::Label& l : labels) o[l.name] = l.value;
  return o;
}

std::string RuleState(const std::vector<alerts::Alert>& list) {
  alerts::AlertState s = alerts::AlertState::kInactive;
  for (const alerts::Alert& a : list) {
    if (a.state == alerts::AlertState::kFiring) return "firing";
    if (a.state == alerts::AlertState::kPending) s = a.state;
  }
  return std::string(alerts::AlertStateName(s));
}

Json PrometheusAlert(const alerts::Alert& a) {
  Json j;
  j["labels"] = LabelsJson(a.labels);
  j["annotations"] = LabelsJson(a.annotations);
  j["state"] = std::string(alerts::AlertStateName(a.state));
  j["activeAt"] = GoTime(a.active_at);
  if (a.keep_firing_since != absl::InfinitePast()) {
    j["keepFiringSince"] = GoTime(a.keep_firing_since);
  }
  j["value"] = GoExp(a.value);
  return j;
}

std::string GoEscaped(const Json& j) {
  return GoJsonEscapes(j.dump(-1, ' ', false, Json::error_handler_t::replace));
}

}  // namespace

void AlertToProto(const std::string& group, const alerts::Alert& a, v1::Alert* out) {
  out->set_id(a.id);
  out->set_rule(std::string(promql::GetLabel(a.labels, "alertname")));
  out->set_severity(std::string(promql::GetLabel(a.labels, "severity")));
  out->set_state(ApiState(a.state));
  *out->mutable_started_at() = ToTimestamp(a.active_at);
  if (a.state == alerts::AlertState::kInactive) {
    *out->mutable_resolved_at() = ToTimestamp(a.resolved_at);
  }
  if (a.fired_at != absl::InfinitePast()) *out->mutable_fired_at() = ToTimestamp(a.fired_at);
  std::string_view message = promql::GetLabel(a.annotations, "summary");
  if (message.empty()) message = promql::GetLabel(a.annotations, "description");
  out->set_message(std::string(message));
  for (const promql::Label& l : a.labels) (*out->mutable_labels())[l.name] = l.value;
  for (const promql::Label& l : a.annotations) (*out->mutable_annotations())[l.name] = l.value;
  out->set_value(a.value);
  out->set_group(group);
  for (const alerts::SeriesChange& c : a.explanation) {
    v1::SeriesChange* pc = out->add_explanation();
    pc->set_metric(std::string(promql::GetLabel(c.labels, promql::kMetricNameLabel)));
    for (const promql::Label& l : c.labels) {
      if (l.name != promql::kMetricNameLabel) (*pc->mutable_labels())[l.name] = l.value;
    }
    pc->set_baseline_mean(c.baseline_mean);
    pc->set_window_mean(c.window_mean);
    if (std::isfinite(c.change_ratio)) pc->set_change_percent(100 * c.change_ratio);
    pc->set_score(c.score);
    pc->set_rate(c.rate);
  }
}

absl::StatusOr<v1::ListAlertsResponse> AlertsResponse(
    const std::vector<alerts::GroupSnapshot>& groups, std::string_view state) {
  if (!state.empty() && state != "pending" && state != "firing" && state != "resolved") {
    return absl::InvalidArgumentError("state must be pending, firing or resolved");
  }
  std::vector<std::pair<const alerts::Alert*, const std::string*>> found;
  for (const alerts::GroupSnapshot& g : groups) {
    for (const alerts::RuleSnapshot& r : g.rules) {
      for (const alerts::Alert& a : r.alerts) {
        if (state.empty() || ApiState(a.state) == state) found.push_back({&a, &g.name});
      }
    }
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& x, const auto& y) {
    return x.first->active_at > y.first->active_at;
  });
  v1::ListAlertsResponse out;
  for (const auto& [a, group] : found) AlertToProto(*group, *a, out.add_alerts());
  return out;
}

v1::ListRuleGroupsResponse RuleGroupsResponse(const std::vector<alerts::GroupSnapshot>& groups) {
  v1::ListRuleGroupsResponse out;
  for (const alerts::GroupSnapshot& g : groups) {
    v1::RuleGroupStatus* pg = out.add_groups();
    pg->set_name(g.name);
    pg->set_file(g.file);
    *pg->mutable_interval() = ToDuration(g.interval);
    if (g.last_evaluation != absl::InfinitePast()) {
      *pg->mutable_last_evaluation() = ToTimestamp(g.last_evaluation);
    }
    pg->set_evaluation_seconds(absl::ToDoubleSeconds(g.evaluation_time));
    for (const alerts::RuleSnapshot& r : g.rules) {
      v1::RuleStatus* pr = pg->add_rules();
      const bool alerting = r.rule.kind == rules::RuleKind::kAlerting;
      pr->set_name(r.rule.name);
      pr->set_type(alerting ? "alerting" : "recording");
      pr->set_query(r.rule.expr);
      for (const promql::Label& l : r.rule.labels) (*pr->mutable_labels())[l.name] = l.value;
      const bool evaluated = r.health.last_evaluation != absl::InfinitePast();
      pr->set_health(!evaluated ? "unknown" : r.health.last_error.ok() ? "ok" : "err");
      pr->set_last_error(std::string(r.health.last_error.message()));
      if (evaluated) *pr->mutable_last_evaluation() = ToTimestamp(r.health.last_evaluation);
      pr->set_evaluation_seconds(absl::ToDoubleSeconds(r.health.duration));
      if (!alerting) continue;
      *pr->mutable_pending_for() = ToDuration(r.rule.for_duration);
      *pr->mutable_keep_firing_for() = ToDuration(r.rule.keep_firing_for);
      for (const promql::Label& l : r.rule.annotations) {
        (*pr->mutable_annotations())[l.name] = l.value;
      }
      pr->set_state(RuleState(r.alerts));
      for (const alerts::Alert& a : r.alerts) AlertToProto(g.name, a, pr->add_alerts());
    }
  }
  return out;
}

absl::StatusOr<std::string> PrometheusRulesData(const std::vector<alerts::GroupSnapshot>& groups,
                                                std::string_view type) {
  if (!type.empty() && type != "alert" && type != "record") {
    return absl::InvalidArgumentError(Cat("not supported value \"", type, "\""));
  }
  Json list = Json::array();
  for (const alerts::GroupSnapshot& g : groups) {
    Json rules = Json::array();
    for (const alerts::RuleSnapshot& r : g.rules) {
      const bool alerting = r.rule.kind == rules::RuleKind::kAlerting;
      if ((type == "alert" && !alerting) || (type == "record" && alerting)) continue;
      Json j;
      const bool evaluated = r.health.last_evaluation != absl::InfinitePast();
      const std::string health = !evaluated ? "unknown" : r.health.last_error.ok() ? "ok" : "err";
      if (alerting) {
        j["state"] = RuleState(r.alerts);
        j["name"] = r.rule.name;
        j["query"] = r.rule.expr;
        j["duration"] = Seconds(r.rule.for_duration);
        j["keepFiringFor"] = Seconds(r.rule.keep_firing_for);
        j["labels"] = LabelsJson(r.rule.labels);
        j["annotations"] = LabelsJson(r.rule.annotations);
        Json alerts = Json::array();
        for (const alerts::Alert& a : r.alerts) {
          if (a.state != alerts::AlertState::kInactive) alerts.push_back(PrometheusAlert(a));
        }
        j["alerts"] = std::move(alerts);
      } else {
        j["name"] = r.rule.name;
        j["query"] = r.rule.expr;
        if (!r.rule.labels.empty()) j["labels"] = LabelsJson(r.rule.labels);
      }
      j["health"] = health;
      if (!r.health.last_error.ok()) j["lastError"] = std::string(r.health.last_error.message());
      j["evaluationTime"] = Seconds(r.health.duration);
      j["lastEvaluation"] = GoTime(r.health.last_evaluation);
      j["type"] = alerting ? "alerting" : "recording";
      rules.push_back(std::move(j));
    }
    Json group;
    group["name"] = g.name;
    group["file"] = g.file;
    group["rules"] = std::move(rules);
    group["interval"] = Seconds(g.interval);
    group["limit"] = 0;
    group["evaluationTime"] = Seconds(g.evaluation_time);
    group["lastEvaluation"] = GoTime(g.last_evaluation);
    list.push_back(std::move(group));
  }
  Json data;
  data["groups"] = std::move(list);
  return GoEscaped(data);
}

std::string PrometheusAlertsData(const std::vector<alerts::GroupSnapshot>& groups) {
  Json list = Json::array();
  for (const alerts::GroupSnapshot& g : groups) {
    for (const alerts::RuleSnapshot& r : g.rules) {
      for (const alerts::Alert& a : r.alerts) {
        if (a.state != alerts::AlertState::kInactive) list.push_back(PrometheusAlert(a));
      }
    }
  }
  Json data;
  data["alerts"] = std::move(list);
  return GoEscaped(data);
}

}  // namespace datamesh::monitoring
