#include "services/monitoring/admin_rules/promtool_check.h"

#include <gtest/gtest.h>

#include "services/monitoring/admin_rules/admin_rule.h"

namespace datamesh::monitoring::admin_rules {
namespace promtool_check_test {

// Debian's promtool is installed wherever `make test` runs (the rule tests need it).
TEST(PromtoolCheck, AcceptsWhatLoadsAndReportsWhatDoesNot) {
  const std::string promtool = FindPromtool();
  ASSERT_FALSE(promtool.empty()) << "promtool is not on PATH";
  absl::StatusOr<v1::AlertRule> rule = FromYaml(
      "alert: QueueDeep\nexpr: queue_depth > 100\nfor: 5m\nkeep_firing_for: 1m\n"
      "labels: {severity: critical}\nannotations: {summary: '{{ $labels.node }} deep'}\n");
  ASSERT_TRUE(rule.ok()) << rule.status();
  absl::StatusOr<v1::AlertRule> normalized = Normalize(*rule);
  ASSERT_TRUE(normalized.ok()) << normalized.status();
  EXPECT_TRUE(PromtoolCheck(promtool, *normalized).ok()) << PromtoolCheck(promtool, *normalized);

  // Bypassing our own checks: promtool's refusal comes back with its output.
  v1::AlertRule broken = *normalized;
  broken.set_expr("queue_depth >");
  absl::Status s = PromtoolCheck(promtool, broken);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("promtool check rules refused it"), std::string::npos) << s;

  // Not a Prometheus rule: not promtool's to judge. No promtool: nothing to run.
  v1::AlertRule anomaly = broken;
  anomaly.set_kind(v1::RULE_KIND_ANOMALY);
  EXPECT_TRUE(PromtoolCheck(promtool, anomaly).ok());
  EXPECT_TRUE(PromtoolCheck("", broken).ok());
}

}  // namespace promtool_check_test
}  // namespace datamesh::monitoring::admin_rules
