// The shipped rules' unit tests (services/monitoring/rules/tests/*.yml) through our evaluator —
// promtool runs the same files in monitoring_rules_promtool_test — and the lint that every
// shipped rule is tested.
#include "services/monitoring/alerts/promtool_runner.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_join.h"
#include "services/monitoring/rules/rule_loader.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::alerts {
namespace {

namespace fs = std::filesystem;

fs::path RulesDir() {
  const char* root = std::getenv("DM_SOURCE_DIR");
  return fs::path(root != nullptr ? root : ".") / "services/monitoring/rules";
}

std::vector<std::string> TestFiles() {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(RulesDir() / "tests")) {
    if (e.path().extension() == ".yml") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ShippedRules, PassTheirPromtoolUnitTestsThroughOurEvaluator) {
  const std::vector<std::string> files = TestFiles();
  ASSERT_FALSE(files.empty());
  for (const std::string& f : files) {
    absl::StatusOr<PromtoolReport> r = RunPromtoolTestFile(f);
    ASSERT_OK(r) << f;
    EXPECT_GT(r->tests, 0) << f;
    EXPECT_TRUE(r->failures.empty()) << absl::StrJoin(r->failures, "\n");
  }
}

TEST(ShippedRules, EveryRuleHasAUnitTest) {
  std::set<std::string> alerts;
  std::vector<std::string> exprs;
  for (const std::string& f : TestFiles()) {
    absl::StatusOr<PromtoolReport> r = RunPromtoolTestFile(f);
    ASSERT_OK(r);
    alerts.insert(r->alerts_tested.begin(), r->alerts_tested.end());
    exprs.insert(exprs.end(), r->exprs_tested.begin(), r->exprs_tested.end());
  }
  absl::StatusOr<std::vector<rules::RuleGroup>> groups =
      rules::LoadRuleFiles({(RulesDir() / "default_rules.yml").string()});
  ASSERT_OK(groups);
  std::vector<std::string> untested;
  for (const rules::RuleGroup& g : *groups) {
    for (const rules::Rule& rule : g.rules) {
      const bool tested = rule.kind == rules::RuleKind::kAlerting
                              ? alerts.contains(rule.name)
                              : std::any_of(exprs.begin(), exprs.end(), [&](const std::string& e) {
                                  return e.find(rule.name) != std::string::npos;
                                });
      if (!tested) untested.push_back(rule.name);
    }
  }
  EXPECT_TRUE(untested.empty()) << "rules without a unit test in rules/tests: "
                                << absl::StrJoin(untested, ", ");
}

// The runner itself must be able to fail: a wrong expectation is reported.
TEST(PromtoolRunner, ReportsAlertsAndSamplesThatDiffer) {
  const fs::path dir = fs::path(::testing::TempDir()) / "promtool_runner_test";
  fs::create_directories(dir);
  std::ofstream(dir / "rules.yml") << R"(
groups:
  - name: g
    rules:
      - record: doubled
        expr: x * 2
      - alert: High
        expr: x > 5
        for: 2m
        labels: {severity: warning}
        annotations: {summary: "x is {{ $value }}"}
)";
  std::ofstream(dir / "test.yml") << R"(
rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'x{job="j"}'
        values: '1+2x5 _x2 stale'
    alert_rule_test:
      - eval_time: 3m
        alertname: High
        exp_alerts: []
      - eval_time: 5m
        alertname: High
        exp_alerts:
          - exp_labels: {severity: warning, job: j}
            exp_annotations: {summary: "x is 11"}
      - eval_time: 5m
        alertname: High
        exp_alerts: []
    promql_expr_test:
      - expr: doubled
        eval_time: 2m
        exp_samples: [{labels: 'doubled{job="j"}', value: 10}]
      - expr: doubled
        eval_time: 2m
        exp_samples: [{labels: 'doubled{job="j"}', value: 11}]
      - expr: x
        eval_time: 8m
        exp_samples: []
)";
  absl::StatusOr<PromtoolReport> r = RunPromtoolTestFile((dir / "test.yml").string());
  ASSERT_OK(r);
  ASSERT_EQ(r->failures.size(), 2u) << absl::StrJoin(r->failures, "\n");
  EXPECT_NE(r->failures[0].find("alertname: High, time: 5m"), std::string::npos) << r->failures[0];
  EXPECT_NE(r->failures[1].find("expr: doubled, time: 2m"), std::string::npos) << r->failures[1];
  EXPECT_EQ(r->alerts_tested, std::set<std::string>{"High"});
}

TEST(PromtoolRunner, RefusesBadInputNotation) {
  const fs::path dir = fs::path(::testing::TempDir()) / "promtool_runner_bad";
  fs::create_directories(dir);
  std::ofstream(dir / "rules.yml") << "groups: []\n";
  std::ofstream(dir / "test.yml") << R"(
rule_files: [rules.yml]
tests:
  - input_series:
      - series: 'x'
        values: '1+x'
)";
  EXPECT_THAT(RunPromtoolTestFile((dir / "test.yml").string()),
              datamesh::testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RunPromtoolTestFile((dir / "missing.yml").string()),
              datamesh::testing::StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace datamesh::monitoring::alerts
