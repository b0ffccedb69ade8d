#include "services/monitoring/alerts/promtool_runner.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "services/monitoring/alerts/group_evaluator.h"
#include "services/monitoring/exposition/text_util.h"
#include "services/monitoring/promql/memory_series_source.h"
#include "services/monitoring/promql/parser.h"
#include "services/monitoring/rules/prom_duration.h"
#include "services/monitoring/rules/rule_loader.h"
#include "shared/status/status.h"

namespace datamesh::monitoring::alerts {
namespace {

using promql::Labels;

absl::Status Bad(const std::string& file, std::string_view what) {
  return absl::InvalidArgumentError(Cat(file, ": ", what));
}

// 'metric{a="b"}' (equality matchers only) as a label set; '' or '{}' is the empty set.
absl::StatusOr<Labels> ParseSeriesLabels(std::string_view text) {
  const std::string trimmed(
      absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size())));
  if (trimmed.empty() || trimmed == "{}") return Labels{};
  absl::StatusOr<promql::ExprPtr> e = promql::ParseQuery(trimmed);
  if (!e.ok()) return e.status();
  const auto* vs = std::get_if<promql::VectorSelector>(&(*e)->node);
  if (vs == nullptr) return absl::InvalidArgumentError(Cat("not a series: ", trimmed));
  std::vector<promql::Label> labels;
  for (const promql::LabelMatcher& m : vs->matchers) {
    if (m.type() != promql::MatchType::kEqual) {
      return absl::InvalidArgumentError(Cat("a series takes only = matchers: ", trimmed));
    }
    labels.push_back({m.name(), m.value()});
  }
  return promql::MakeLabels(std::move(labels));
}

// One value of an input series: a number, missing (nullopt) or a staleness marker.
using InputValue = std::optional<double>;

absl::Status ExpandToken(std::string_view token, std::vector<InputValue>& out) {
  const auto bad = [&] {
    return absl::InvalidArgumentError(Cat("bad value \"", token,
                                          "\" (a, a+bxN, a-bxN, axN, _, "
                                          "_xN or stale)"));
  };
  if (token == "stale") {
    out.push_back(StaleMarkerValue());
    return absl::OkStatus();
  }
  std::string_view head = token;
  int64_t times = -1;
  if (const size_t x = token.rfind('x'); x != std::string_view::npos) {
    std::optional<int64_t> n = ParseInt64Text(token.substr(x + 1));
    if (!n || *n < 0 || *n > 1'000'000) return bad();
    times = *n;
    head = token.substr(0, x);
  }
  if (head == "_") {
    for (int64_t i = 0; i < std::max<int64_t>(times, 1); ++i) out.push_back(std::nullopt);
    return absl::OkStatus();
  }
  // a[+-]b: the sign of b is the first + or - after a's first character that is not part of
  // an exponent.
  double start = 0, step = 0;
  size_t split = std::string_view::npos;
  for (size_t i = 1; i < head.size(); ++i) {
    if ((head[i] == '+' || head[i] == '-') && head[i - 1] != 'e' && head[i - 1] != 'E') {
      split = i;
      break;
    }
  }
  std::optional<double> a = ParseFloatText(head.substr(0, split));
  if (!a) return bad();
  start = *a;
  if (split != std::string_view::npos) {
    if (times < 0) return bad();
    std::optional<double> b = ParseFloatText(head.substr(split));
    if (!b) return bad();
    step = *b;
  }
  if (times < 0) times = 0;
  // Added step by step, as promtool's parser adds them, so values match bit for bit.
  for (int64_t i = 0; i <= times; ++i) {
    out.push_back(start);
    start += step;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<InputValue>> ParseValues(std::string_view text) {
  std::vector<InputValue> out;
  for (absl::string_view token :
       absl::StrSplit(absl::string_view(text.data(), text.size()), ' ', absl::SkipWhitespace())) {
    RETURN_IF_ERROR(ExpandToken(std::string_view(token.data(), token.size()), out));
  }
  return out;
}

absl::StatusOr<absl::Duration> DurationField(const YAML::Node& n, std::string_view field,
                                             absl::Duration fallback) {
  if (!n[std::string(field)]) return fallback;
  return rules::ParsePromDuration(n[std::string(field)].as<std::string>());
}

std::string LabelsText(const Labels& l) { return promql::LabelsToString(l); }

// A firing alert as promtool prints it: labels and annotations.
struct Got {
  Labels labels;
  Labels annotations;
  friend auto operator<=>(const Got&, const Got&) = default;
  std::string Text() const {
    return Cat("{labels: ", LabelsText(labels), ", annotations: ", LabelsText(annotations), "}");
  }
};

std::string ListText(const std::vector<Got>& v) {
  std::string s = "[";
  for (const Got& g : v) s += Cat(s.size() > 1 ? ", " : "", g.Text());
  return s + "]";
}

absl::StatusOr<Labels> MapLabels(const YAML::Node& n) {
  std::vector<promql::Label> out;
  if (!n) return Labels{};
  if (!n.IsMap()) return absl::InvalidArgumentError("expected a mapping of names to strings");
  for (const auto& kv : n) out.push_back({kv.first.as<std::string>(), kv.second.as<std::string>()});
  return promql::MakeLabels(std::move(out));
}

class TestRun {
 public:
  TestRun(const std::vector<rules::RuleGroup>& groups, absl::Duration eval_interval,
          std::string name, PromtoolReport& report)
      : eval_interval_(eval_interval), name_(std::move(name)), report_(report) {
    int next_id = 0;
    for (const rules::RuleGroup& g : groups) {
      evaluators_.push_back(std::make_unique<GroupEvaluator>(
          g, [next_id]() mutable { return Cat("alert-", ++next_id); }));
    }
  }

  absl::Status LoadSeries(const YAML::Node& list, absl::Duration interval) {
    for (size_t i = 0; list && i < list.size(); ++i) {
      ASSIGN_OR_RETURN(Labels labels, ParseSeriesLabels(list[i]["series"].as<std::string>()));
      if (promql::GetLabel(labels, promql::kMetricNameLabel).empty()) {
        return absl::InvalidArgumentError("an input series needs a metric name");
      }
      ASSIGN_OR_RETURN(std::vector<InputValue> values,
                       ParseValues(list[i]["values"].as<std::string>("")));
      for (size_t k = 0; k < values.size(); ++k) {
        if (!values[k]) continue;
        RETURN_IF_ERROR(source_.Add(
            labels, absl::ToInt64Milliseconds(interval * static_cast<int64_t>(k)), *values[k]));
      }
    }
    return absl::OkStatus();
  }

  // Evaluates every group from 0 to `until`, checking each alert test at its evaluation.
  absl::Status EvaluateAndCheckAlerts(const YAML::Node& alert_tests, absl::Duration until) {
    // Indices, not nodes: assigning a YAML::Node (as sorting would) overwrites what it refers to.
    std::vector<std::pair<absl::Duration, size_t>> pending;
    for (size_t i = 0; alert_tests && i < alert_tests.size(); ++i) {
      ASSIGN_OR_RETURN(absl::Duration at,
                       DurationField(alert_tests[i], "eval_time", absl::ZeroDuration()));
      pending.emplace_back(at, i);
    }
    std::stable_sort(pending.begin(), pending.end());
    size_t next = 0;
    const RecordSink sink = [this](const std::vector<RecordedSample>& samples) {
      for (const RecordedSample& s : samples)
        RETURN_IF_ERROR(source_.Add(s.labels, s.t_ms, s.value));
      return absl::OkStatus();
    };
    for (absl::Duration ts = absl::ZeroDuration(); ts <= until; ts += eval_interval_) {
      for (auto& g : evaluators_) {
        g->Evaluate(source_, sink, absl::UnixEpoch() + ts);
        for (const RuleSnapshot& r : g->Snapshot()) {
          if (!r.health.last_error.ok()) {
            report_.failures.push_back(Cat(name_, ": rule ", r.rule.name, " at ",
                                           rules::FormatPromDuration(ts), ": ",
                                           r.health.last_error.message()));
          }
        }
      }
      while (next < pending.size() && pending[next].first < ts + eval_interval_) {
        RETURN_IF_ERROR(CheckAlerts(alert_tests[pending[next].second], pending[next].first));
        ++next;
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckExpr(const YAML::Node& test) {
    const std::string expr = test["expr"].as<std::string>();
    report_.exprs_tested.push_back(expr);
    ASSIGN_OR_RETURN(absl::Duration at, DurationField(test, "eval_time", absl::ZeroDuration()));
    absl::StatusOr<promql::QueryResult> r =
        promql::Engine(source_).InstantQuery(expr, absl::ToInt64Milliseconds(at));
    if (!r.ok()) {
      report_.failures.push_back(Cat(name_, ": expr ", expr, ": ", r.status().message()));
      return absl::OkStatus();
    }
    std::vector<std::pair<Labels, double>> got, want;
    if (r->type == promql::ValueType::kScalar) got.push_back({Labels{}, r->scalar});
    for (const promql::VectorSample& s : r->vector) got.push_back({s.labels, s.value});
    const YAML::Node exp = test["exp_samples"];
    for (size_t i = 0; exp && i < exp.size(); ++i) {
      ASSIGN_OR_RETURN(Labels labels, ParseSeriesLabels(exp[i]["labels"].as<std::string>("")));
      std::optional<double> v = ParseFloatText(exp[i]["value"].as<std::string>());
      if (!v) return absl::InvalidArgumentError(Cat("bad exp_samples value in ", expr));
      want.push_back({std::move(labels), *v});
    }
    const auto same = [](const std::pair<Labels, double>& a, const std::pair<Labels, double>& b) {
      return a.first == b.first &&
             (a.second == b.second || (std::isnan(a.second) && std::isnan(b.second)));
    };
    std::sort(got.begin(), got.end(), [](auto& a, auto& b) { return a.first < b.first; });
    std::sort(want.begin(), want.end(), [](auto& a, auto& b) { return a.first < b.first; });
    if (!std::equal(got.begin(), got.end(), want.begin(), want.end(), same)) {
      auto text = [](const std::vector<std::pair<Labels, double>>& v) {
        std::string s;
        for (const auto& [l, x] : v) s += Cat("\n      ", LabelsText(l), " ", x);
        return s;
      };
      report_.failures.push_back(Cat(name_, ": expr: ", expr,
                                     ", time: ", rules::FormatPromDuration(at),
                                     "\n    exp:", text(want), "\n    got:", text(got)));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status CheckAlerts(const YAML::Node& test, absl::Duration at) {
    const std::string alertname = test["alertname"].as<std::string>();
    report_.alerts_tested.insert(alertname);
    std::vector<Got> want, got;
    const YAML::Node exp = test["exp_alerts"];
    for (size_t i = 0; exp && i < exp.size(); ++i) {
      ASSIGN_OR_RETURN(Labels labels, MapLabels(exp[i]["exp_labels"]));
      promql::SetLabel(labels, "alertname", alertname);
      ASSIGN_OR_RETURN(Labels annotations, MapLabels(exp[i]["exp_annotations"]));
      want.push_back({std::move(labels), std::move(annotations)});
    }
    bool found = false;
    for (const auto& g : evaluators_) {
      for (const RuleSnapshot& r : g->Snapshot()) {
        if (r.rule.kind != rules::RuleKind::kAlerting || r.rule.name != alertname) continue;
        found = true;
        for (const Alert& a : r.alerts) {
          if (a.state == AlertState::kFiring) got.push_back({a.labels, a.annotations});
        }
      }
    }
    if (!found) {
      report_.failures.push_back(Cat(name_, ": no alerting rule named ", alertname));
      return absl::OkStatus();
    }
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    if (want != got) {
      report_.failures.push_back(Cat(name_, ": alertname: ", alertname,
                                     ", time: ", rules::FormatPromDuration(at),
                                     "\n    exp:", ListText(want), "\n    got:", ListText(got)));
    }
    return absl::OkStatus();
  }

  const absl::Duration eval_interval_;
  const std::string name_;
  PromtoolReport& report_;
  promql::MemorySeriesSource source_;
  std::vector<std::unique_ptr<GroupEvaluator>> evaluators_;
};

absl::Status RunTest(const YAML::Node& test, size_t index,
                     const std::vector<rules::RuleGroup>& groups, absl::Duration eval_interval,
                     const std::string& file, PromtoolReport& report) {
  const std::string name =
      Cat(file, ": test ", index + 1,
          test["name"] ? Cat(" (", test["name"].as<std::string>(), ")") : std::string());
  ASSIGN_OR_RETURN(absl::Duration interval, DurationField(test, "interval", eval_interval));
  TestRun run(groups, eval_interval, name, report);
  RETURN_IF_ERROR(run.LoadSeries(test["input_series"], interval));
  absl::Duration until = absl::ZeroDuration();
  for (const char* kind : {"alert_rule_test", "promql_expr_test"}) {
    const YAML::Node list = test[kind];
    for (size_t i = 0; list && i < list.size(); ++i) {
      ASSIGN_OR_RETURN(absl::Duration at,
                       DurationField(list[i], "eval_time", absl::ZeroDuration()));
      until = std::max(until, at);
    }
  }
  RETURN_IF_ERROR(run.EvaluateAndCheckAlerts(test["alert_rule_test"], until));
  const YAML::Node exprs = test["promql_expr_test"];
  for (size_t i = 0; exprs && i < exprs.size(); ++i) RETURN_IF_ERROR(run.CheckExpr(exprs[i]));
  ++report.tests;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PromtoolReport> RunPromtoolTestFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(Cat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  PromtoolReport report;
  try {
    const YAML::Node root = YAML::Load(text.str());
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    for (const auto& f : root["rule_files"]) {
      report.rule_files.push_back((dir / f.as<std::string>()).lexically_normal().string());
    }
    ASSIGN_OR_RETURN(std::vector<rules::RuleGroup> groups, rules::LoadRuleFiles(report.rule_files));
    absl::StatusOr<absl::Duration> eval_interval =
        DurationField(root, "evaluation_interval", absl::Minutes(1));
    if (!eval_interval.ok()) return Bad(path, std::string(eval_interval.status().message()));
    if (*eval_interval <= absl::ZeroDuration())
      return Bad(path, "evaluation_interval must be positive");
    const YAML::Node tests = root["tests"];
    for (size_t i = 0; tests && i < tests.size(); ++i) {
      if (absl::Status s = RunTest(tests[i], i, groups, *eval_interval, path, report); !s.ok()) {
        return absl::Status(s.code(), Cat(path, ": test ", i + 1, ": ", s.message()));
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        Cat(path, ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
  return report;
}

}  // namespace datamesh::monitoring::alerts
