#include "services/monitoring/rules/rule_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "services/monitoring/rules/default_rules.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::rules {
namespace {

using ::datamesh::testing::StatusIs;
using ::testing::HasSubstr;

TEST(RuleLoader, ReadsGroupsAndRules) {
  absl::StatusOr<std::vector<RuleGroup>> groups = ParseRuleFile(R"(
groups:
  - name: storage
    interval: 30s
    rules:
      - record: service:up:sum
        expr: sum by (service) (up)
        labels: {tier: core}
      - alert: DiskFull
        expr: used / capacity > 0.85
        for: 10m
        keep_firing_for: 5m
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.instance }} is {{ $value | humanizePercentage }} full"
  - name: empty
)",
                                                                "r.yml");
  ASSERT_OK(groups);
  ASSERT_EQ(groups->size(), 2u);
  const RuleGroup& g = (*groups)[0];
  EXPECT_EQ(g.name, "storage");
  EXPECT_EQ(g.file, "r.yml");
  EXPECT_EQ(g.interval, absl::Seconds(30));
  ASSERT_EQ(g.rules.size(), 2u);
  EXPECT_EQ(g.rules[0].kind, RuleKind::kRecording);
  EXPECT_EQ(g.rules[0].name, "service:up:sum");
  EXPECT_EQ(g.rules[1].kind, RuleKind::kAlerting);
  EXPECT_EQ(g.rules[1].for_duration, absl::Minutes(10));
  EXPECT_EQ(g.rules[1].keep_firing_for, absl::Minutes(5));
  EXPECT_EQ(promql::GetLabel(g.rules[1].labels, "severity"), "warning");
  EXPECT_THAT(std::string(promql::GetLabel(g.rules[1].annotations, "summary")),
              HasSubstr("humanizePercentage"));
  EXPECT_EQ((*groups)[1].interval, absl::ZeroDuration());
}

// Each bad file, and the words its error must contain: where, and what.
struct BadFile {
  const char* yaml;
  const char* error;
};

TEST(RuleLoader, ErrorsNameTheFileGroupRuleAndProblem) {
  const BadFile kCases[] = {
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up ==\n",
       "r.yml: group \"g\": rule 1 (A): expr: 1:"},
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n        record: b\n        expr: up\n",
       "rule 1: exactly one of 'record' and 'alert'"},
      {"groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n        for: 5m\n",
       "rule 1 (r): invalid field 'for' in recording rule"},
      {"groups:\n  - name: g\n    rules:\n      - record: 1bad\n        expr: up\n",
       "record name must be a valid metric name"},
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: 5x\n",
       "rule 1 (A): for: not a valid duration"},
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: "
       "{1x: a}\n",
       "labels: invalid name 1x"},
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        "
       "annotations: {s: \"{{ .Value }}\"}\n",
       "annotations.s: unsupported action"},
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        severity: "
       "x\n",
       "field severity not found"},
      {"groups:\n  - name: g\n  - name: g\n", "group \"g\": repeated in the same file"},
      {"groups:\n  - rules: []\n", "group 1: group name must be set"},
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up[5m]\n",
       "must be an instant vector or a scalar"},
      {"groups:\n  - name: [unclosed\n", "r.yml:"},
      {"group:\n  - name: g\n", "field group not found"},
  };
  for (const BadFile& c : kCases) {
    absl::StatusOr<std::vector<RuleGroup>> r = ParseRuleFile(c.yaml, "r.yml");
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument)) << c.yaml;
    if (!r.ok()) {
      EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.error)) << c.yaml;
    }
  }
}

TEST(RuleLoader, LoadsFilesAndRefusesTheSameGroupTwice) {
  EXPECT_THAT(LoadRuleFiles({"/nonexistent/rules.yml"}), StatusIs(absl::StatusCode::kNotFound));
  const std::string shipped = std::string(getenv("DM_SOURCE_DIR") ? getenv("DM_SOURCE_DIR") : ".") +
                              "/services/monitoring/rules/default_rules.yml";
  absl::StatusOr<std::vector<RuleGroup>> groups = LoadRuleFiles({shipped});
  ASSERT_OK(groups);
  EXPECT_FALSE(groups->empty());
  EXPECT_THAT(LoadRuleFiles({shipped, shipped}), StatusIs(absl::StatusCode::kInvalidArgument));
  // The binary's compiled-in copy is the file.
  std::stringstream text;
  text << std::ifstream(shipped).rdbuf();
  EXPECT_EQ(DefaultRulesYaml(), text.str());
  EXPECT_OK(ParseRuleFile(DefaultRulesYaml(), kDefaultRulesName));
}

}  // namespace
}  // namespace datamesh::monitoring::rules
