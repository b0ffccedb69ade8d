#include "services/monitoring/alerts/alert_state.h"

#include <gtest/gtest.h>

#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::alerts {
namespace {

using ::datamesh::testing::StatusIs;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

rules::Rule DownRule(absl::Duration for_duration, absl::Duration keep_firing_for) {
  rules::Rule r;
  r.kind = rules::RuleKind::kAlerting;
  r.name = "NodeDown";
  r.expr = "up == 0";
  r.for_duration = for_duration;
  r.keep_firing_for = keep_firing_for;
  r.labels = promql::MakeLabels({{"severity", "critical"}, {"node", "{{ $labels.instance }}"}});
  r.annotations =
      promql::MakeLabels({{"summary", "{{ $labels.instance }} is down ({{ $value }})"}});
  return r;
}

promql::Vector Down(std::string instance) {
  return {{promql::MakeLabels({{"__name__", "up"}, {"instance", instance}}), 0}};
}

// A fake clock: the rule is evaluated at kT0 + n minutes.
class AlertStateTest : public ::testing::Test {
 protected:
  std::vector<AlertChange> At(AlertingRule& rule, int minute, const promql::Vector& result) {
    absl::StatusOr<std::vector<AlertChange>> c = rule.Apply(result, kT0 + absl::Minutes(minute));
    EXPECT_OK(c);
    return c.ok() ? *c : std::vector<AlertChange>{};
  }
  AlertingRule::IdGenerator ids_ = [n = 0]() mutable { return "id" + std::to_string(++n); };
};

TEST_F(AlertStateTest, PendingBecomesFiringAfterFor) {
  AlertingRule rule(DownRule(absl::Minutes(2), absl::ZeroDuration()), ids_);
  EXPECT_TRUE(At(rule, 0, Down("n1")).empty());
  ASSERT_EQ(rule.Alerts().size(), 1u);
  const Alert pending = rule.Alerts()[0];
  EXPECT_EQ(pending.state, AlertState::kPending);
  EXPECT_EQ(pending.active_at, kT0);
  EXPECT_EQ(pending.labels, promql::MakeLabels({{"alertname", "NodeDown"},
                                                {"instance", "n1"},
                                                {"node", "n1"},
                                                {"severity", "critical"}}));
  EXPECT_EQ(promql::GetLabel(pending.annotations, "summary"), "n1 is down (0)");
  EXPECT_TRUE(At(rule, 1, Down("n1")).empty());
  const std::vector<AlertChange> fired = At(rule, 2, Down("n1"));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].kind, AlertChange::Kind::kTriggered);
  EXPECT_EQ(fired[0].alert.id, pending.id);
  EXPECT_EQ(fired[0].alert.fired_at, kT0 + absl::Minutes(2));
  EXPECT_EQ(fired[0].alert.active_at, kT0);
}

TEST_F(AlertStateTest, APendingAlertThatClearsIsDroppedWithoutResolving) {
  AlertingRule rule(DownRule(absl::Minutes(5), absl::ZeroDuration()), ids_);
  At(rule, 0, Down("n1"));
  EXPECT_TRUE(At(rule, 1, {}).empty());
  EXPECT_TRUE(rule.Alerts().empty());
  // It starts over: a new episode with a new id and active time.
  At(rule, 2, Down("n1"));
  EXPECT_EQ(rule.Alerts().at(0).active_at, kT0 + absl::Minutes(2));
  EXPECT_EQ(rule.Alerts().at(0).id, "id2");
}

TEST_F(AlertStateTest, FiringResolvesAndIsKeptFifteenMinutes) {
  AlertingRule rule(DownRule(absl::ZeroDuration(), absl::ZeroDuration()), ids_);
  ASSERT_EQ(At(rule, 0, Down("n1")).size(), 1u);  // for: 0 fires at once
  const std::vector<AlertChange> resolved = At(rule, 1, {});
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].kind, AlertChange::Kind::kResolved);
  EXPECT_EQ(resolved[0].alert.resolved_at, kT0 + absl::Minutes(1));
  EXPECT_EQ(rule.Alerts().at(0).state, AlertState::kInactive);
  EXPECT_TRUE(At(rule, 16, {}).empty());
  EXPECT_EQ(rule.Alerts().size(), 1u) << "15 minutes after resolving it is still listed";
  At(rule, 17, {});
  EXPECT_TRUE(rule.Alerts().empty());
}

TEST_F(AlertStateTest, KeepFiringForHoldsAFiringAlertAfterItsConditionClears) {
  AlertingRule rule(DownRule(absl::ZeroDuration(), absl::Minutes(3)), ids_);
  At(rule, 0, Down("n1"));
  EXPECT_TRUE(At(rule, 1, {}).empty());
  EXPECT_TRUE(At(rule, 3, {}).empty());
  EXPECT_EQ(rule.Alerts().at(0).state, AlertState::kFiring);
  EXPECT_EQ(rule.Alerts().at(0).keep_firing_since, kT0 + absl::Minutes(1));
  // The condition returns: the keep-firing clock resets.
  At(rule, 4, Down("n1"));
  EXPECT_EQ(rule.Alerts().at(0).keep_firing_since, absl::InfinitePast());
  At(rule, 5, {});
  EXPECT_TRUE(At(rule, 7, {}).empty());
  ASSERT_EQ(At(rule, 8, {}).size(), 1u);
  EXPECT_EQ(rule.Alerts().at(0).state, AlertState::kInactive);
}

TEST_F(AlertStateTest, AResolvedAlertThatReturnsIsANewEpisode) {
  AlertingRule rule(DownRule(absl::Minutes(1), absl::ZeroDuration()), ids_);
  At(rule, 0, Down("n1"));
  At(rule, 1, Down("n1"));
  At(rule, 2, {});
  At(rule, 3, Down("n1"));
  ASSERT_EQ(rule.Alerts().size(), 1u);
  EXPECT_EQ(rule.Alerts()[0].state, AlertState::kPending);
  EXPECT_EQ(rule.Alerts()[0].id, "id2");
}

TEST_F(AlertStateTest, DuplicateLabelSetsAreRefusedAndChangeNothing) {
  AlertingRule rule(DownRule(absl::ZeroDuration(), absl::ZeroDuration()), ids_);
  At(rule, 0, Down("n1"));
  promql::Vector twice = {{promql::MakeLabels({{"__name__", "a"}, {"instance", "n2"}}), 0},
                          {promql::MakeLabels({{"__name__", "b"}, {"instance", "n2"}}), 0}};
  EXPECT_THAT(rule.Apply(twice, kT0 + absl::Minutes(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_EQ(rule.Alerts().size(), 1u);
  EXPECT_EQ(rule.Alerts()[0].state, AlertState::kFiring);
}

TEST_F(AlertStateTest, RestoreReplacesTheHeldAlerts) {
  AlertingRule rule(DownRule(absl::Minutes(5), absl::ZeroDuration()), ids_);
  Alert a;
  a.id = "restored";
  a.labels = promql::MakeLabels(
      {{"alertname", "NodeDown"}, {"instance", "n1"}, {"node", "n1"}, {"severity", "critical"}});
  a.state = AlertState::kPending;
  a.active_at = kT0 - absl::Minutes(4);
  rule.Restore({a});
  const std::vector<AlertChange> c = At(rule, 1, Down("n1"));
  ASSERT_EQ(c.size(), 1u) << "the restored pending time counts towards `for`";
  EXPECT_EQ(c[0].alert.id, "restored");
}

}  // namespace
}  // namespace datamesh::monitoring::alerts
