#include "services/monitoring/admin_rules/admin_rule.h"

#include <google/protobuf/util/time_util.h>
#include <yaml-cpp/yaml.h>

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/monitoring/rules/prom_duration.h"
#include "services/monitoring/rules/rule_loader.h"
#include "shared/status/status.h"

namespace datamesh::monitoring::admin_rules {
namespace {

using google::protobuf::util::TimeUtil;

absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

google::protobuf::Duration ToProto(absl::Duration d) {
  return TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(d));
}

absl::Status Bad(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

bool IsName(absl::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = s[i];
    if (!(absl::ascii_isalpha(c) || c == '_' || (i > 0 && absl::ascii_isdigit(c)))) return false;
  }
  return true;
}

std::string Quoted(absl::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// metric{name="value",...}
std::string Selector(const v1::AlertRule& r) {
  std::string out = r.metric();
  if (r.labels().empty()) return out;
  std::map<std::string, std::string> sorted(r.labels().begin(), r.labels().end());
  out += "{";
  bool first = true;
  for (const auto& [k, v] : sorted) {
    absl::StrAppend(&out, first ? "" : ",", k, "=", Quoted(v));
    first = false;
  }
  return out + "}";
}

const char* Operator(v1::Comparator c) {
  switch (c) {
    case v1::COMPARATOR_LESS: return "<";
    case v1::COMPARATOR_GREATER_OR_EQUAL: return ">=";
    case v1::COMPARATOR_LESS_OR_EQUAL: return "<=";
    default: return ">";
  }
}

std::string Number(double v) {
  std::string s = absl::StrCat(v);
  return s;
}

bool UsesDetector(v1::RuleKind k) { return k == v1::RULE_KIND_ANOMALY || k == v1::RULE_KIND_FORECAST; }

// The rule file's expression: the condition, or (anomaly, forecast) the watched series.
std::string Expression(const v1::AlertRule& r) {
  const std::string series = r.expr().empty() ? Selector(r) : r.expr();
  const std::string window = rules::FormatPromDuration(FromProto(r.window()));
  switch (r.kind()) {
    case v1::RULE_KIND_THRESHOLD:
      return absl::StrCat("(", series, ") ", Operator(r.comparator()), " ", Number(r.threshold()));
    case v1::RULE_KIND_RATE_OF_CHANGE:
      return absl::StrCat("deriv(", series, "[", window, "]) ", Operator(r.comparator()), " ",
                          Number(r.threshold()));
    case v1::RULE_KIND_ABSENCE: return absl::StrCat("absent_over_time(", series, "[", window, "])");
    default: return series;
  }
}

void EmitMap(YAML::Emitter& out, const char* key,
             const google::protobuf::Map<std::string, std::string>& m) {
  if (m.empty()) return;
  out << YAML::Key << key << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : std::map<std::string, std::string>(m.begin(), m.end())) {
    out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << v;
  }
  out << YAML::EndMap;
}

// The rule's mapping; `prometheus_only` leaves out the fields of the detector kinds.
void EmitRule(YAML::Emitter& out, const v1::AlertRule& r, bool prometheus_only) {
  out << YAML::BeginMap;
  out << YAML::Key << "alert" << YAML::Value << r.name();
  out << YAML::Key << "expr" << YAML::Value << YAML::DoubleQuoted << Expression(r);
  if (FromProto(r.pending_for()) > absl::ZeroDuration()) {
    out << YAML::Key << "for" << YAML::Value
        << rules::FormatPromDuration(FromProto(r.pending_for()));
  }
  if (FromProto(r.keep_firing_for()) > absl::ZeroDuration()) {
    out << YAML::Key << "keep_firing_for" << YAML::Value
        << rules::FormatPromDuration(FromProto(r.keep_firing_for()));
  }
  EmitMap(out, "labels", r.alert_labels());
  EmitMap(out, "annotations", r.annotations());
  if (!prometheus_only && UsesDetector(r.kind())) {
    const bool anomaly = r.kind() == v1::RULE_KIND_ANOMALY;
    out << YAML::Key << "kind" << YAML::Value << (anomaly ? "anomaly" : "forecast");
    out << YAML::Key << "window" << YAML::Value
        << rules::FormatPromDuration(FromProto(r.window()));
    out << YAML::Key << "threshold" << YAML::Value << Number(r.threshold());
    if (anomaly) {
      out << YAML::Key << "min_history" << YAML::Value
          << rules::FormatPromDuration(FromProto(r.min_history()));
    } else {
      out << YAML::Key << "horizon" << YAML::Value
          << rules::FormatPromDuration(FromProto(r.horizon()));
      out << YAML::Key << "direction" << YAML::Value
          << (r.comparator() == v1::COMPARATOR_LESS ? "falling" : "rising");
    }
  }
  if (!prometheus_only && !r.enabled()) out << YAML::Key << "enabled" << YAML::Value << false;
  out << YAML::EndMap;
}

absl::Status CheckUnused(const v1::AlertRule& r, bool metric, bool comparator, bool threshold,
                         bool window, bool horizon, bool min_history) {
  const std::string kind = absl::AsciiStrToLower(v1::RuleKind_Name(r.kind()).substr(10));
  auto unused = [&](absl::string_view field) {
    return Bad(field, absl::StrCat("not used by ", kind, " rules"));
  };
  if (!metric && (!r.metric().empty() || !r.labels().empty())) return unused("metric/labels");
  if (!comparator && r.comparator() != v1::COMPARATOR_UNSPECIFIED) return unused("comparator");
  if (!threshold && r.threshold() != 0) return unused("threshold");
  if (!window && r.has_window()) return unused("window");
  if (!horizon && r.has_horizon()) return unused("horizon");
  if (!min_history && r.has_min_history()) return unused("min_history");
  return absl::OkStatus();
}

// The series: `expr`, or `metric` with `labels` (`selector_only`: the metric form only).
absl::Status CheckSeries(const v1::AlertRule& r, bool selector_only) {
  if (!r.expr().empty() && !r.metric().empty()) return Bad("expr", "give expr or metric, not both");
  if (selector_only && !r.expr().empty()) {
    return Bad("expr", "this kind watches a metric: give metric and labels (or use kind promql)");
  }
  if (r.expr().empty() && r.metric().empty()) return Bad("metric", "expr or metric is required");
  if (!r.metric().empty()) {
    for (size_t i = 0; i < r.metric().size(); ++i) {
      const unsigned char c = r.metric()[i];
      if (!(absl::ascii_isalpha(c) || c == '_' || c == ':' || (i > 0 && absl::ascii_isdigit(c)))) {
        return Bad("metric", "not a metric name");
      }
    }
    for (const auto& [k, v] : r.labels()) {
      if (!IsName(k)) return Bad("labels", absl::StrCat("invalid label name ", k));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckWindow(v1::AlertRule& r, absl::Duration fallback) {
  if (!r.has_window()) {
    if (fallback == absl::ZeroDuration()) return Bad("window", "required for this kind");
    *r.mutable_window() = ToProto(fallback);
  }
  const absl::Duration w = FromProto(r.window());
  if (w < absl::Minutes(1) || w > absl::Hours(24 * 90)) {
    return Bad("window", "must be between 1m and 90d");
  }
  return absl::OkStatus();
}

absl::Status CheckKind(v1::AlertRule& r) {
  switch (r.kind()) {
    case v1::RULE_KIND_PROMQL:
      if (r.expr().empty()) return Bad("expr", "required for promql rules");
      return CheckUnused(r, false, false, false, false, false, false);
    case v1::RULE_KIND_THRESHOLD:
      RETURN_IF_ERROR(CheckSeries(r, false));
      if (r.comparator() == v1::COMPARATOR_UNSPECIFIED) r.set_comparator(v1::COMPARATOR_GREATER);
      return CheckUnused(r, true, true, true, false, false, false);
    case v1::RULE_KIND_RATE_OF_CHANGE:
      RETURN_IF_ERROR(CheckSeries(r, true));
      RETURN_IF_ERROR(CheckWindow(r, absl::ZeroDuration()));
      if (r.comparator() == v1::COMPARATOR_UNSPECIFIED) r.set_comparator(v1::COMPARATOR_GREATER);
      return CheckUnused(r, true, true, true, true, false, false);
    case v1::RULE_KIND_ABSENCE:
      RETURN_IF_ERROR(CheckSeries(r, true));
      RETURN_IF_ERROR(CheckWindow(r, absl::ZeroDuration()));
      return CheckUnused(r, true, false, false, true, false, false);
    case v1::RULE_KIND_ANOMALY: {
      RETURN_IF_ERROR(CheckSeries(r, false));
      RETURN_IF_ERROR(CheckWindow(r, absl::Hours(24 * 7)));
      if (r.threshold() == 0) r.set_threshold(6);
      if (!(r.threshold() > 0 && r.threshold() < 1e6)) {
        return Bad("threshold", "the z-score must be positive");
      }
      if (!r.has_min_history()) *r.mutable_min_history() = ToProto(FromProto(r.window()) / 4);
      const absl::Duration h = FromProto(r.min_history());
      if (h < absl::ZeroDuration() || h > FromProto(r.window())) {
        return Bad("min_history", "must be between 0 and the window");
      }
      return CheckUnused(r, true, false, true, true, false, true);
    }
    case v1::RULE_KIND_FORECAST: {
      RETURN_IF_ERROR(CheckSeries(r, false));
      RETURN_IF_ERROR(CheckWindow(r, absl::Hours(6)));
      if (!r.has_horizon()) *r.mutable_horizon() = ToProto(absl::Hours(24 * 7));
      const absl::Duration h = FromProto(r.horizon());
      if (h <= absl::ZeroDuration() || h > absl::Hours(24 * 366)) {
        return Bad("horizon", "must be between 0 and a year");
      }
      if (r.comparator() == v1::COMPARATOR_UNSPECIFIED) r.set_comparator(v1::COMPARATOR_GREATER);
      if (r.comparator() != v1::COMPARATOR_GREATER && r.comparator() != v1::COMPARATOR_LESS) {
        return Bad("comparator", "forecast rules rise (GREATER) or fall (LESS) to the limit");
      }
      return CheckUnused(r, true, true, true, true, true, false);
    }
    default:
      return Bad("kind",
                 "required: promql, threshold, rate_of_change, absence, anomaly or forecast");
  }
}

absl::StatusOr<absl::Duration> YamlDuration(const YAML::Node& n, absl::string_view field) {
  if (!n.IsScalar()) return Bad(field, "must be a duration such as 5m");
  absl::StatusOr<absl::Duration> d = rules::ParsePromDuration(n.as<std::string>());
  if (!d.ok()) return Bad(field, d.status().message());
  return d;
}

absl::Status YamlMap(const YAML::Node& n, absl::string_view field,
                     google::protobuf::Map<std::string, std::string>* out) {
  if (!n.IsMap()) return Bad(field, "must be a mapping");
  for (const auto& kv : n) {
    if (!kv.second.IsScalar()) return Bad(field, "values must be strings");
    (*out)[kv.first.as<std::string>()] = kv.second.as<std::string>();
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::AlertRule> FromRuleMapping(const YAML::Node& node) {
  static constexpr std::string_view kKeys[] = {
      "alert",     "expr",    "for",         "keep_firing_for", "labels",  "annotations",
      "kind",      "window",  "threshold",   "horizon",         "min_history", "direction",
      "enabled"};
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      return Bad(key, "unknown field");
    }
  }
  v1::AlertRule r;
  r.set_enabled(true);
  if (!node["alert"] || !node["alert"].IsScalar()) return Bad("alert", "the rule's name is required");
  r.set_name(node["alert"].as<std::string>());
  if (node["expr"]) {
    if (!node["expr"].IsScalar()) return Bad("expr", "must be a string");
    r.set_expr(std::string(absl::StripAsciiWhitespace(node["expr"].as<std::string>())));
  }
  const std::string kind = node["kind"] ? node["kind"].as<std::string>() : "promql";
  if (kind == "promql") {
    r.set_kind(v1::RULE_KIND_PROMQL);
  } else if (kind == "anomaly") {
    r.set_kind(v1::RULE_KIND_ANOMALY);
  } else if (kind == "forecast") {
    r.set_kind(v1::RULE_KIND_FORECAST);
  } else {
    return Bad("kind", "promql, anomaly or forecast");
  }
  // Set only when present: an unset duration means "the kind's default".
  using Field = google::protobuf::Duration* (v1::AlertRule::*)();
  for (auto [field, out] : {std::pair<const char*, Field>{"for", &v1::AlertRule::mutable_pending_for},
                            {"keep_firing_for", &v1::AlertRule::mutable_keep_firing_for},
                            {"window", &v1::AlertRule::mutable_window},
                            {"horizon", &v1::AlertRule::mutable_horizon},
                            {"min_history", &v1::AlertRule::mutable_min_history}}) {
    if (!node[field]) continue;
    ASSIGN_OR_RETURN(absl::Duration d, YamlDuration(node[field], field));
    *(r.*out)() = ToProto(d);
  }
  if (node["labels"]) RETURN_IF_ERROR(YamlMap(node["labels"], "labels", r.mutable_alert_labels()));
  if (node["annotations"]) {
    RETURN_IF_ERROR(YamlMap(node["annotations"], "annotations", r.mutable_annotations()));
  }
  if (auto it = r.alert_labels().find("severity"); it != r.alert_labels().end()) {
    r.set_severity(it->second);
  }
  if (node["threshold"]) {
    double v;
    if (!node["threshold"].IsScalar() || !absl::SimpleAtod(node["threshold"].as<std::string>(), &v)) {
      return Bad("threshold", "must be a number");
    }
    r.set_threshold(v);
  }
  if (node["direction"]) {
    const std::string d = node["direction"].as<std::string>();
    if (d != "rising" && d != "falling") return Bad("direction", "rising or falling");
    r.set_comparator(d == "rising" ? v1::COMPARATOR_GREATER : v1::COMPARATOR_LESS);
  }
  if (node["enabled"]) {
    bool enabled;
    if (!YAML::convert<bool>::decode(node["enabled"], enabled)) {
      return Bad("enabled", "true or false");
    }
    r.set_enabled(enabled);
  }
  return r;
}

}  // namespace

absl::StatusOr<rules::Rule> ToRule(const v1::AlertRule& r) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq << YAML::BeginMap
      << YAML::Key << "name" << YAML::Value << kAdminGroup << YAML::Key << "rules" << YAML::Value
      << YAML::BeginSeq;
  EmitRule(out, r, /*prometheus_only=*/true);
  out << YAML::EndSeq << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
  absl::StatusOr<std::vector<rules::RuleGroup>> groups =
      rules::ParseRuleFile(out.c_str(), "rule");
  if (!groups.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the rule does not load: ", groups.status().message()));
  }
  rules::Rule rule = std::move(groups->front().rules.front());
  if (r.kind() == v1::RULE_KIND_ANOMALY) {
    rule.detector = rules::Detector::kAnomaly;
    rule.anomaly = {FromProto(r.window()), r.threshold(), FromProto(r.min_history())};
  } else if (r.kind() == v1::RULE_KIND_FORECAST) {
    rule.detector = rules::Detector::kForecast;
    rule.forecast = {FromProto(r.window()), FromProto(r.horizon()), r.threshold(),
                     r.comparator() != v1::COMPARATOR_LESS};
  }
  return rule;
}

absl::StatusOr<v1::AlertRule> Normalize(const v1::AlertRule& in) {
  v1::AlertRule r = in;
  r.clear_id();
  r.clear_read_only();
  r.clear_group();
  r.clear_yaml();
  if (!IsName(r.name()) || r.name().size() > 200) {
    return Bad("name", "required: letters, digits and _, not starting with a digit, at most 200");
  }
  if (!r.webhook_url().empty()) {
    return Bad("webhook_url", "not supported: receivers are routed by the notification config");
  }
  if (r.has_escalate_after()) {
    return Bad("escalate_after", "not supported: escalation is set per severity in the "
                                 "notification config");
  }
  if (!std::isfinite(r.threshold())) return Bad("threshold", "must be a finite number");
  RETURN_IF_ERROR(CheckKind(r));
  for (auto [field, d] : {std::pair{"pending_for", &r.pending_for()},
                          std::pair{"keep_firing_for", &r.keep_firing_for()}}) {
    if (FromProto(*d) < absl::ZeroDuration()) return Bad(field, "must not be negative");
  }
  auto label = r.alert_labels().find("severity");
  if (r.severity().empty()) {
    r.set_severity(label != r.alert_labels().end() ? label->second : "warning");
  }
  if (r.severity() != "info" && r.severity() != "warning" && r.severity() != "critical") {
    return Bad("severity", "info, warning or critical");
  }
  if (label != r.alert_labels().end() && label->second != r.severity()) {
    return Bad("severity", "differs from labels.severity");
  }
  (*r.mutable_alert_labels())["severity"] = r.severity();
  if (!r.message().empty()) r.mutable_annotations()->insert({"summary", r.message()});
  if (!r.description().empty()) r.mutable_annotations()->insert({"description", r.description()});
  RETURN_IF_ERROR(ToRule(r).status());
  return r;
}

absl::StatusOr<v1::AlertRule> FromYaml(std::string_view yaml) {
  YAML::Node node;
  try {
    node = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("rule YAML: ", e.what()));
  }
  if (!node.IsMap()) return absl::InvalidArgumentError("rule YAML: must be a mapping");
  try {
    if (!node["groups"]) return FromRuleMapping(node);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("rule YAML: ", e.what()));
  }
  absl::StatusOr<std::vector<rules::RuleGroup>> groups = rules::ParseRuleFile(yaml, "rule file");
  if (!groups.ok()) return groups.status();
  const rules::Rule* only = nullptr;
  size_t count = 0;
  for (const rules::RuleGroup& g : *groups) {
    for (const rules::Rule& rule : g.rules) {
      ++count;
      only = &rule;
    }
  }
  if (count != 1 || only->kind != rules::RuleKind::kAlerting) {
    return absl::InvalidArgumentError(
        "rule file: must hold exactly one alerting rule (add the rules of a file one by one)");
  }
  v1::AlertRule r = FromFileRule(*only, "");
  r.clear_id();
  r.clear_read_only();
  r.clear_group();
  r.clear_yaml();
  return r;
}

std::string ToYaml(const v1::AlertRule& rule) {
  YAML::Emitter out;
  EmitRule(out, rule, /*prometheus_only=*/false);
  return std::string(out.c_str()) + "\n";
}

v1::AlertRule FromFileRule(const rules::Rule& rule, const std::string& group) {
  v1::AlertRule r;
  r.set_id(absl::StrCat(group, "/", rule.name));
  r.set_name(rule.name);
  r.set_kind(v1::RULE_KIND_PROMQL);
  r.set_expr(rule.expr);
  if (rule.for_duration > absl::ZeroDuration()) *r.mutable_pending_for() = ToProto(rule.for_duration);
  if (rule.keep_firing_for > absl::ZeroDuration()) {
    *r.mutable_keep_firing_for() = ToProto(rule.keep_firing_for);
  }
  for (const promql::Label& l : rule.labels) (*r.mutable_alert_labels())[l.name] = l.value;
  for (const promql::Label& l : rule.annotations) (*r.mutable_annotations())[l.name] = l.value;
  r.set_severity(std::string(promql::GetLabel(rule.labels, "severity")));
  r.set_enabled(true);
  r.set_read_only(true);
  r.set_group(group);
  r.set_yaml(ToYaml(r));
  return r;
}

}  // namespace datamesh::monitoring::admin_rules
