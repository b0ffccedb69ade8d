#include "services/monitoring/admin_rules/admin_rule.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

namespace datamesh::monitoring::admin_rules {
namespace {

using google::protobuf::util::TimeUtil;

v1::AlertRule Rule(v1::RuleKind kind) {
  v1::AlertRule r;
  r.set_name("DiskBusy");
  r.set_kind(kind);
  r.set_enabled(true);
  return r;
}

TEST(Normalize, PromqlRuleGetsSeverityAndAnnotations) {
  v1::AlertRule r = Rule(v1::RULE_KIND_PROMQL);
  r.set_expr("up == 0");
  r.set_message("{{ $labels.instance }} is down");
  *r.mutable_pending_for() = TimeUtil::SecondsToDuration(300);
  absl::StatusOr<v1::AlertRule> n = Normalize(r);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->severity(), "warning");
  EXPECT_EQ(n->alert_labels().at("severity"), "warning");
  EXPECT_EQ(n->annotations().at("summary"), "{{ $labels.instance }} is down");
  absl::StatusOr<rules::Rule> rule = ToRule(*n);
  ASSERT_TRUE(rule.ok()) << rule.status();
  EXPECT_EQ(rule->expr, "up == 0");
  EXPECT_EQ(rule->for_duration, absl::Minutes(5));
  EXPECT_EQ(rule->detector, rules::Detector::kCondition);
}

TEST(Normalize, StructuredKindsBecomePromql) {
  v1::AlertRule t = Rule(v1::RULE_KIND_THRESHOLD);
  t.set_metric("disk_used_ratio");
  (*t.mutable_labels())["zone"] = "a\"b";
  t.set_threshold(0.85);
  EXPECT_EQ(ToRule(*Normalize(t))->expr, "(disk_used_ratio{zone=\"a\\\"b\"}) > 0.85");

  v1::AlertRule rc = Rule(v1::RULE_KIND_RATE_OF_CHANGE);
  rc.set_metric("queue_depth");
  rc.set_comparator(v1::COMPARATOR_LESS);
  rc.set_threshold(-2);
  *rc.mutable_window() = TimeUtil::SecondsToDuration(600);
  EXPECT_EQ(ToRule(*Normalize(rc))->expr, "deriv(queue_depth[10m]) < -2");

  v1::AlertRule ab = Rule(v1::RULE_KIND_ABSENCE);
  ab.set_metric("up");
  (*ab.mutable_labels())["service"] = "auth";
  *ab.mutable_window() = TimeUtil::SecondsToDuration(300);
  EXPECT_EQ(ToRule(*Normalize(ab))->expr, "absent_over_time(up{service=\"auth\"}[5m])");
}

TEST(Normalize, DetectorKindsGetDefaults) {
  v1::AlertRule a = Rule(v1::RULE_KIND_ANOMALY);
  a.set_expr("rate(datamesh_grpc_server_handled_total[5m])");
  absl::StatusOr<v1::AlertRule> n = Normalize(a);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->threshold(), 6);
  EXPECT_EQ(n->window().seconds(), 7 * 86400);
  EXPECT_EQ(n->min_history().seconds(), 7 * 86400 / 4);
  absl::StatusOr<rules::Rule> rule = ToRule(*n);
  ASSERT_TRUE(rule.ok());
  EXPECT_EQ(rule->detector, rules::Detector::kAnomaly);
  EXPECT_EQ(rule->anomaly.z_threshold, 6);
  EXPECT_EQ(rule->anomaly.baseline, absl::Hours(24 * 7));

  v1::AlertRule f = Rule(v1::RULE_KIND_FORECAST);
  f.set_metric("datamesh_chunk_store_used_bytes");
  f.set_threshold(1e12);
  n = Normalize(f);
  ASSERT_TRUE(n.ok()) << n.status();
  rule = ToRule(*n);
  EXPECT_EQ(rule->detector, rules::Detector::kForecast);
  EXPECT_EQ(rule->forecast.limit, 1e12);
  EXPECT_TRUE(rule->forecast.rising);
  EXPECT_EQ(rule->forecast.lookback, absl::Hours(6));
  EXPECT_EQ(rule->forecast.horizon, absl::Hours(24 * 7));
}

TEST(Normalize, RefusesWhatDoesNotLoad) {
  auto code = [](const v1::AlertRule& r) { return Normalize(r).status().code(); };
  auto message = [](const v1::AlertRule& r) { return std::string(Normalize(r).status().message()); };
  v1::AlertRule r = Rule(v1::RULE_KIND_PROMQL);
  r.set_expr("rate(up[5m]");
  EXPECT_EQ(code(r), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(message(r).find("parse error"), std::string::npos) << message(r);
  r.set_expr("up[5m]");  // a range vector is no condition
  EXPECT_NE(message(r).find("instant vector"), std::string::npos) << message(r);
  r.set_expr("up == 0");
  (*r.mutable_annotations())["summary"] = "{{ range $x }}";
  EXPECT_EQ(code(r), absl::StatusCode::kInvalidArgument);
  r.clear_annotations();
  r.set_severity("urgent");
  EXPECT_NE(message(r).find("severity"), std::string::npos);
  r.set_severity("");
  r.set_threshold(3);
  EXPECT_NE(message(r).find("threshold: not used by promql rules"), std::string::npos)
      << message(r);
  r.set_threshold(0);
  r.set_webhook_url("http://x");
  EXPECT_NE(message(r).find("webhook_url"), std::string::npos);
  r.clear_webhook_url();
  r.set_name("1bad");
  EXPECT_NE(message(r).find("name"), std::string::npos);
  r.set_name("Ok");
  r.set_kind(v1::RULE_KIND_UNSPECIFIED);
  EXPECT_NE(message(r).find("kind"), std::string::npos);
  v1::AlertRule rc = Rule(v1::RULE_KIND_RATE_OF_CHANGE);
  rc.set_metric("queue");
  EXPECT_NE(message(rc).find("window: required"), std::string::npos) << message(rc);
  rc.set_expr("queue * 2");
  EXPECT_NE(message(rc).find("expr or metric, not both"), std::string::npos);
  v1::AlertRule f = Rule(v1::RULE_KIND_FORECAST);
  f.set_metric("x");
  f.set_comparator(v1::COMPARATOR_GREATER_OR_EQUAL);
  EXPECT_NE(message(f).find("comparator"), std::string::npos);
}

TEST(FromYaml, ReadsAPrometheusRuleAndTheDetectorKinds) {
  absl::StatusOr<v1::AlertRule> r = FromYaml(R"(
alert: ManyRestarts
expr: increase(restarts_total[1h]) > 3
for: 10m
keep_firing_for: 5m
labels: {severity: critical, team: storage}
annotations:
  summary: "{{ $labels.instance }} restarts"
)");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind(), v1::RULE_KIND_PROMQL);
  EXPECT_EQ(r->severity(), "critical");
  EXPECT_EQ(r->pending_for().seconds(), 600);
  EXPECT_EQ(r->keep_firing_for().seconds(), 300);
  EXPECT_EQ(r->alert_labels().at("team"), "storage");
  ASSERT_TRUE(Normalize(*r).ok()) << Normalize(*r).status();
  // Written back in the rule-file form.
  const std::string yaml = ToYaml(*Normalize(*r));
  EXPECT_NE(yaml.find("alert: ManyRestarts"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("keep_firing_for: 5m"), std::string::npos) << yaml;
  absl::StatusOr<v1::AlertRule> again = FromYaml(yaml);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->expr(), r->expr());

  absl::StatusOr<v1::AlertRule> f = FromYaml(R"(
alert: DiskFullSoon
expr: datamesh_chunk_store_used_bytes
kind: forecast
window: 12h
horizon: 3d
threshold: 5e11
direction: rising
enabled: false
)");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->kind(), v1::RULE_KIND_FORECAST);
  EXPECT_EQ(f->horizon().seconds(), 3 * 86400);
  EXPECT_EQ(f->threshold(), 5e11);
  EXPECT_FALSE(f->enabled());
  absl::StatusOr<v1::AlertRule> fn = Normalize(*f);
  ASSERT_TRUE(fn.ok()) << fn.status();
  absl::StatusOr<v1::AlertRule> back = FromYaml(ToYaml(*fn));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->window().seconds(), 12 * 3600);
  EXPECT_EQ(back->comparator(), v1::COMPARATOR_GREATER);
}

TEST(FromYaml, ReadsAOneRuleFileAndRefusesOthers) {
  absl::StatusOr<v1::AlertRule> r = FromYaml(R"(
groups:
  - name: mine
    rules:
      - alert: Down
        expr: up == 0
)");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->name(), "Down");
  EXPECT_EQ(r->id(), "");
  EXPECT_FALSE(r->read_only());
  EXPECT_FALSE(FromYaml("groups: [{name: g, rules: [{alert: A, expr: up}, {alert: B, expr: up}]}]")
                   .ok());
  EXPECT_FALSE(FromYaml("groups: [{name: g, rules: [{record: a:b, expr: up}]}]").ok());
  EXPECT_EQ(FromYaml("alert: X\nexpr: up\nsurprise: 1\n").status().message(),
            "surprise: unknown field");
  EXPECT_FALSE(FromYaml("alert: X\nexpr: up\nkind: magic\n").ok());
  EXPECT_FALSE(FromYaml("[1, 2").ok());
  EXPECT_FALSE(FromYaml("alert: X\nexpr: up\nfor: soon\n").ok());
}

}  // namespace
}  // namespace datamesh::monitoring::admin_rules
