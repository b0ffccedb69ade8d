#include "services/monitoring/rules/rule_loader.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/monitoring/exposition/text_util.h"
#include "services/monitoring/promql/parser.h"
#include "services/monitoring/rules/prom_duration.h"
#include "services/monitoring/rules/rule_template.h"

namespace datamesh::monitoring::rules {
namespace {

// Where an error happened, prefixed to its message.
struct Place {
  std::string text;
  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(Cat(text, ": ", what));
  }
};

bool IsName(std::string_view s, bool allow_colon) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = s[i];
    const bool ok = absl::ascii_isalpha(c) || c == '_' || (allow_colon && c == ':') ||
                    (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

absl::Status CheckKeys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                       const Place& at) {
  if (!map.IsMap()) return at.Error("must be a mapping");
  for (const auto& kv : map) {
    const std::string key = kv.first.as<std::string>();
    bool known = false;
    for (std::string_view a : allowed) known = known || key == a;
    if (!known) return at.Error(Cat("field ", key, " not found in type rulefmt"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Scalar(const YAML::Node& node, std::string_view field,
                                   const Place& at) {
  if (!node.IsScalar()) return at.Error(Cat(field, " must be a string"));
  return node.as<std::string>();
}

absl::StatusOr<absl::Duration> Duration(const YAML::Node& node, std::string_view field,
                                        const Place& at) {
  absl::StatusOr<std::string> text = Scalar(node, field, at);
  if (!text.ok()) return text.status();
  absl::StatusOr<absl::Duration> d = ParsePromDuration(*text);
  if (!d.ok()) return at.Error(Cat(field, ": ", d.status().message()));
  return d;
}

// labels: or annotations: — a mapping of names to template strings.
absl::StatusOr<promql::Labels> LabelMap(const YAML::Node& node, std::string_view field,
                                        const Place& at) {
  if (!node.IsMap()) return at.Error(Cat(field, " must be a mapping"));
  std::vector<promql::Label> out;
  for (const auto& kv : node) {
    const std::string name = kv.first.as<std::string>();
    if (!IsName(name, false) || name == promql::kMetricNameLabel) {
      return at.Error(Cat(field, ": invalid name ", name));
    }
    absl::StatusOr<std::string> value = Scalar(kv.second, Cat(field, ".", name), at);
    if (!value.ok()) return value.status();
    if (absl::Status s = CheckTemplate(*value); !s.ok()) {
      return at.Error(Cat(field, ".", name, ": ", s.message()));
    }
    out.push_back({name, *value});
  }
  return promql::MakeLabels(std::move(out));
}

absl::StatusOr<Rule> ParseRule(const YAML::Node& node, const Place& group_at, size_t index) {
  Place at{Cat(group_at.text, ": rule ", index + 1)};
  if (!node.IsMap()) return at.Error("must be a mapping");
  const bool is_alert = static_cast<bool>(node["alert"]);
  if (is_alert == static_cast<bool>(node["record"])) {
    return at.Error("exactly one of 'record' and 'alert' must be set");
  }
  Rule rule;
  rule.kind = is_alert ? RuleKind::kAlerting : RuleKind::kRecording;
  absl::StatusOr<std::string> name = Scalar(node[is_alert ? "alert" : "record"], "name", at);
  if (!name.ok()) return name.status();
  rule.name = *name;
  at.text = Cat(at.text, " (", rule.name, ")");
  if (is_alert) {
    if (absl::Status s = CheckKeys(
            node, {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}, at);
        !s.ok())
      return s;
    if (rule.name.empty()) return at.Error("alert name must not be empty");
  } else {
    for (const char* field : {"for", "keep_firing_for", "annotations"}) {
      if (node[field]) {
        return at.Error(Cat("invalid field '", field, "' in recording rule"));
      }
    }
    if (absl::Status s = CheckKeys(node, {"record", "expr", "labels"}, at); !s.ok()) return s;
    if (!IsName(rule.name, true)) return at.Error("record name must be a valid metric name");
  }
  if (!node["expr"]) return at.Error("field 'expr' must be set");
  absl::StatusOr<std::string> expr = Scalar(node["expr"], "expr", at);
  if (!expr.ok()) return expr.status();
  rule.expr = std::string(absl::StripAsciiWhitespace(*expr));
  absl::StatusOr<promql::ExprPtr> parsed = promql::ParseQuery(rule.expr);
  if (!parsed.ok()) return at.Error(Cat("expr: ", parsed.status().message()));
  if ((*parsed)->type != promql::ValueType::kVector &&
      (*parsed)->type != promql::ValueType::kScalar) {
    return at.Error("expr: must be an instant vector or a scalar");
  }
  for (auto [field, out] : {std::pair{"for", &rule.for_duration},
                            std::pair{"keep_firing_for", &rule.keep_firing_for}}) {
    if (!node[field]) continue;
    absl::StatusOr<absl::Duration> d = Duration(node[field], field, at);
    if (!d.ok()) return d.status();
    *out = *d;
  }
  if (node["labels"]) {
    absl::StatusOr<promql::Labels> labels = LabelMap(node["labels"], "labels", at);
    if (!labels.ok()) return labels.status();
    rule.labels = std::move(*labels);
  }
  if (node["annotations"]) {
    absl::StatusOr<promql::Labels> a = LabelMap(node["annotations"], "annotations", at);
    if (!a.ok()) return a.status();
    rule.annotations = std::move(*a);
  }
  return rule;
}

absl::StatusOr<RuleGroup> ParseGroup(const YAML::Node& node, std::string_view file, size_t index) {
  Place at{Cat(file, ": group ", index + 1)};
  if (absl::Status s = CheckKeys(node, {"name", "interval", "rules"}, at); !s.ok()) return s;
  RuleGroup group;
  group.file = std::string(file);
  if (!node["name"]) return at.Error("group name must be set");
  absl::StatusOr<std::string> name = Scalar(node["name"], "name", at);
  if (!name.ok()) return name.status();
  if (name->empty()) return at.Error("group name must not be empty");
  group.name = *name;
  at.text = Cat(file, ": group \"", group.name, "\"");
  if (node["interval"]) {
    absl::StatusOr<absl::Duration> d = Duration(node["interval"], "interval", at);
    if (!d.ok()) return d.status();
    if (*d <= absl::ZeroDuration()) return at.Error("interval must be positive");
    group.interval = *d;
  }
  const YAML::Node rules = node["rules"];
  if (rules && !rules.IsNull() && !rules.IsSequence()) return at.Error("rules must be a list");
  for (size_t i = 0; rules && i < rules.size(); ++i) {
    absl::StatusOr<Rule> rule = ParseRule(rules[i], at, i);
    if (!rule.ok()) return rule.status();
    group.rules.push_back(std::move(*rule));
  }
  return group;
}

}  // namespace

absl::StatusOr<std::vector<RuleGroup>> ParseRuleFile(std::string_view yaml,
                                                     std::string_view file_name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        Cat(file_name, ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
  std::vector<RuleGroup> groups;
  if (root.IsNull()) return groups;  // an empty file, as Prometheus allows
  try {
    if (absl::Status s = CheckKeys(root, {"groups"}, Place{std::string(file_name)}); !s.ok()) {
      return s;
    }
    const YAML::Node list = root["groups"];
    if (list && !list.IsNull() && !list.IsSequence()) {
      return absl::InvalidArgumentError(Cat(file_name, ": groups must be a list"));
    }
    std::set<std::string> names;
    for (size_t i = 0; list && i < list.size(); ++i) {
      absl::StatusOr<RuleGroup> g = ParseGroup(list[i], file_name, i);
      if (!g.ok()) return g.status();
      if (!names.insert(g->name).second) {
        return absl::InvalidArgumentError(
            Cat(file_name, ": group \"", g->name, "\": repeated in the same file"));
      }
      groups.push_back(std::move(*g));
    }
  } catch (const YAML::Exception& e) {
    // A key that is not a string, or a similar shape mismatch yaml-cpp finds on conversion.
    return absl::InvalidArgumentError(
        Cat(file_name, ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
  return groups;
}

absl::StatusOr<std::vector<RuleGroup>> LoadRuleFiles(const std::vector<std::string>& paths) {
  std::vector<RuleGroup> all;
  std::set<std::string> names;
  for (const std::string& path : paths) {
    std::ifstream in(path);
    if (!in) return absl::NotFoundError(Cat("cannot read rule file ", path));
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<std::vector<RuleGroup>> groups = ParseRuleFile(text.str(), path);
    if (!groups.ok()) return groups.status();
    for (RuleGroup& g : *groups) {
      if (!names.insert(g.name).second) {
        return absl::InvalidArgumentError(Cat(path, ": group \"", g.name,
                                              "\": another rule file has a group of "
                                              "this name"));
      }
      all.push_back(std::move(g));
    }
  }
  return all;
}

}  // namespace datamesh::monitoring::rules
