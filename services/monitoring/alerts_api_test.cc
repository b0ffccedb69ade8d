#include "services/monitoring/alerts_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring {
namespace {

using ::datamesh::testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kT = absl::FromUnixSeconds(1'700'000'000);

alerts::Alert MakeAlert(std::string id, alerts::AlertState state, int minutes_ago) {
  alerts::Alert a;
  a.id = std::move(id);
  a.labels = promql::MakeLabels(
      {{"alertname", "NodeDown"}, {"instance", "n<1>"}, {"severity", "critical"}});
  a.annotations = promql::MakeLabels({{"summary", "n1 is down"}, {"remediation", "restart"}});
  a.state = state;
  a.value = 1;
  a.active_at = kT - absl::Minutes(minutes_ago);
  if (state != alerts::AlertState::kPending) a.fired_at = a.active_at + absl::Minutes(1);
  if (state == alerts::AlertState::kInactive) a.resolved_at = kT;
  return a;
}

std::vector<alerts::GroupSnapshot> Groups() {
  rules::Rule alert;
  alert.kind = rules::RuleKind::kAlerting;
  alert.name = "NodeDown";
  alert.expr = "up > 0";
  alert.for_duration = absl::Minutes(1);
  rules::Rule record;
  record.kind = rules::RuleKind::kRecording;
  record.name = "job:up:sum";
  record.expr = "sum(up)";
  alerts::RuleHealth ok{kT, absl::Milliseconds(2), absl::OkStatus()};
  alerts::RuleHealth failed{kT, absl::Milliseconds(1), absl::InvalidArgumentError("clash")};
  return {{"storage",
           "default_rules.yml",
           absl::Minutes(1),
           kT,
           absl::Milliseconds(3),
           {{alert,
             ok,
             {MakeAlert("a", alerts::AlertState::kFiring, 10),
              MakeAlert("b", alerts::AlertState::kPending, 1),
              MakeAlert("c", alerts::AlertState::kInactive, 30)}},
            {record, failed, {}}}}};
}

TEST(AlertsApi, ListsAlertsNewestFirstAndFiltersByState) {
  absl::StatusOr<v1::ListAlertsResponse> all = AlertsResponse(Groups(), "");
  ASSERT_OK(all);
  ASSERT_EQ(all->alerts_size(), 3);
  EXPECT_EQ(all->alerts(0).id(), "b");
  EXPECT_EQ(all->alerts(1).id(), "a");
  EXPECT_EQ(all->alerts(2).id(), "c");
  EXPECT_EQ(all->alerts(2).state(), "resolved");
  EXPECT_TRUE(all->alerts(2).has_resolved_at());
  EXPECT_FALSE(all->alerts(0).has_fired_at());
  const v1::Alert& firing = all->alerts(1);
  EXPECT_EQ(firing.rule(), "NodeDown");
  EXPECT_EQ(firing.severity(), "critical");
  EXPECT_EQ(firing.message(), "n1 is down");
  EXPECT_EQ(firing.annotations().at("remediation"), "restart");
  EXPECT_EQ(firing.group(), "storage");
  EXPECT_EQ(firing.value(), 1);
  absl::StatusOr<v1::ListAlertsResponse> pending = AlertsResponse(Groups(), "pending");
  ASSERT_OK(pending);
  ASSERT_EQ(pending->alerts_size(), 1);
  EXPECT_EQ(pending->alerts(0).id(), "b");
  EXPECT_THAT(AlertsResponse(Groups(), "active"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(AlertsApi, RuleGroupsCarryHealthAndState) {
  const v1::ListRuleGroupsResponse r = RuleGroupsResponse(Groups());
  ASSERT_EQ(r.groups_size(), 1);
  ASSERT_EQ(r.groups(0).rules_size(), 2);
  EXPECT_EQ(r.groups(0).rules(0).state(), "firing");
  EXPECT_EQ(r.groups(0).rules(0).health(), "ok");
  EXPECT_EQ(r.groups(0).rules(0).alerts_size(), 3);
  EXPECT_EQ(r.groups(0).rules(1).type(), "recording");
  EXPECT_EQ(r.groups(0).rules(1).health(), "err");
  EXPECT_EQ(r.groups(0).rules(1).last_error(), "clash");
}

TEST(AlertsApi, PrometheusJsonAsPrometheusWritesIt) {
  const std::string alerts = PrometheusAlertsData(Groups());
  EXPECT_EQ(alerts, R"({"alerts":[{"labels":{"alertname":"NodeDown","instance":"n\u003c1\u003e",)"
                    R"("severity":"critical"},"annotations":{"remediation":"restart","summary":)"
                    R"("n1 is down"},"state":"firing","activeAt":"2023-11-14T22:03:20Z","value":)"
                    R"("1e+00"},{"labels":{"alertname":"NodeDown","instance":"n\u003c1\u003e",)"
                    R"("severity":"critical"},"annotations":{"remediation":"restart","summary":)"
                    R"("n1 is down"},"state":"pending","activeAt":"2023-11-14T22:12:20Z","value":)"
                    R"("1e+00"}]})");
  absl::StatusOr<std::string> rules = PrometheusRulesData(Groups(), "");
  ASSERT_OK(rules);
  EXPECT_THAT(*rules, HasSubstr(R"({"groups":[{"name":"storage","file":"default_rules.yml",)"
                                R"("rules":[{"state":"firing","name":"NodeDown",)"
                                R"("query":"up \u003e 0","duration":60,"keepFiringFor":0,)"));
  EXPECT_THAT(*rules, HasSubstr(R"("health":"err","lastError":"clash")"));
  EXPECT_THAT(*rules, HasSubstr(R"("interval":60,"limit":0,"evaluationTime":0.003,)"));
  absl::StatusOr<std::string> records = PrometheusRulesData(Groups(), "record");
  ASSERT_OK(records);
  EXPECT_THAT(*records, ::testing::Not(HasSubstr("NodeDown")));
  EXPECT_THAT(PrometheusRulesData(Groups(), "x"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace datamesh::monitoring
