#include "services/monitoring/notify/dispatcher.h"

#include <gtest/gtest.h>

namespace datamesh::monitoring::notify {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

NotifyConfig Config() {
  NotifyConfig c;
  c.route.receiver = "ops";
  c.route.group_by = {"alertname"};
  c.route.group_wait = absl::Seconds(30);
  c.route.group_interval = absl::Minutes(5);
  c.route.repeat_interval = absl::Hours(4);
  RouteConfig pager = c.route;
  pager.receiver = "pager";
  pager.matchers = {*Matcher::Parse("severity=critical")};
  c.route.routes = {pager};
  c.receivers = {{.name = "ops"}, {.name = "pager"}, {.name = "boss"}};
  return c;
}

NotifyAlert Firing(std::string name, std::string node, absl::Time fired,
                   std::string severity = "warning") {
  NotifyAlert a;
  a.labels = promql::MakeLabels({{"alertname", name}, {"node", node}, {"severity", severity}});
  a.fingerprint = Fingerprint(a.labels);
  a.id = name + "-" + node;
  a.starts_at = fired - absl::Minutes(1);
  a.fired_at = fired;
  return a;
}

NotifyAlert Resolved(NotifyAlert a, absl::Time at) {
  a.resolved = true;
  a.ends_at = at;
  return a;
}

// Ticks every second from `from` to `to` (inclusive), collecting what is sent.
std::vector<Notification> TickEverySecond(Dispatcher& d, const std::vector<NotifyAlert>& alerts,
                                          absl::Time from, absl::Time to) {
  std::vector<Notification> out;
  for (absl::Time t = from; t <= to; t += absl::Seconds(1)) {
    for (Notification& n : d.Tick(alerts, t)) out.push_back(std::move(n));
  }
  return out;
}

TEST(Fingerprint, IsStableAndDiffersPerLabelSet) {
  const promql::Labels a = promql::MakeLabels({{"alertname", "X"}, {"node", "1"}});
  EXPECT_EQ(Fingerprint(a), Fingerprint(a));
  EXPECT_EQ(Fingerprint(a).size(), 16u);
  EXPECT_NE(Fingerprint(a), Fingerprint(promql::MakeLabels({{"alertname", "X"}, {"node", "2"}})));
  // The separator keeps {a="bc"} and {ab="c"} apart.
  EXPECT_NE(Fingerprint({{"a", "bc"}}), Fingerprint({{"ab", "c"}}));
}

TEST(Dispatcher, RoutesToTheFirstMatchingChildElseTheParent) {
  const NotifyConfig c = Config();
  Dispatcher d(c);
  EXPECT_EQ(d.ReceiversFor(Firing("X", "n1", kT0, "critical").labels),
            std::vector<std::string>{"pager"});
  EXPECT_EQ(d.ReceiversFor(Firing("X", "n1", kT0, "warning").labels),
            std::vector<std::string>{"ops"});
}

TEST(Dispatcher, ContinueSendsToLaterRoutesToo) {
  NotifyConfig c = Config();
  c.route.routes[0].continue_matching = true;
  RouteConfig all = c.route.routes[0];
  all.receiver = "boss";
  all.matchers = {};
  all.continue_matching = false;
  c.route.routes.push_back(all);
  Dispatcher d(c);
  EXPECT_EQ(d.ReceiversFor(Firing("X", "n1", kT0, "critical").labels),
            (std::vector<std::string>{"pager", "boss"}));
}

TEST(Dispatcher, WaitsGroupWaitThenSendsTheGroupOnce) {
  const NotifyConfig c = Config();
  Dispatcher d(c);
  const std::vector<NotifyAlert> alerts = {Firing("Down", "n1", kT0), Firing("Down", "n2", kT0),
                                           Firing("Full", "n1", kT0)};
  EXPECT_TRUE(TickEverySecond(d, alerts, kT0, kT0 + absl::Seconds(29)).empty());
  std::vector<Notification> sent =
      TickEverySecond(d, alerts, kT0 + absl::Seconds(30), kT0 + absl::Hours(1));
  ASSERT_EQ(sent.size(), 2u);  // one per alertname, never repeated within the hour
  EXPECT_EQ(sent[0].receiver, "ops");
  EXPECT_EQ(sent[0].group_key, R"(route:{alertname="Down"})");
  EXPECT_EQ(sent[0].alerts.size(), 2u);
  EXPECT_EQ(sent[1].group_key, R"(route:{alertname="Full"})");
}

TEST(Dispatcher, ANewAlertInAGroupIsSentAtTheNextGroupInterval) {
  const NotifyConfig c = Config();
  Dispatcher d(c);
  std::vector<NotifyAlert> alerts = {Firing("Down", "n1", kT0)};
  ASSERT_EQ(TickEverySecond(d, alerts, kT0, kT0 + absl::Seconds(30)).size(), 1u);
  alerts.push_back(Firing("Down", "n2", kT0 + absl::Seconds(40)));
  // group_interval runs from the first send (t0+30s): nothing before t0+5m30s.
  EXPECT_TRUE(
      TickEverySecond(d, alerts, kT0 + absl::Seconds(31), kT0 + absl::Seconds(329)).empty());
  std::vector<Notification> sent = d.Tick(alerts, kT0 + absl::Seconds(330));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].alerts.size(), 2u);
  EXPECT_EQ(sent[0].entry.firing.size(), 2u);
}

TEST(Dispatcher, RepeatsAfterRepeatIntervalAndSendsResolvedOnce) {
  const NotifyConfig c = Config();
  Dispatcher d(c);
  std::vector<NotifyAlert> alerts = {Firing("Down", "n1", kT0)};
  ASSERT_EQ(TickEverySecond(d, alerts, kT0, kT0 + absl::Seconds(30)).size(), 1u);
  // Looked at every 5 minutes: the first look at or after 4 h repeats.
  std::vector<Notification> repeat =
      TickEverySecond(d, alerts, kT0 + absl::Seconds(31), kT0 + absl::Hours(4) + absl::Minutes(5));
  ASSERT_EQ(repeat.size(), 1u);
  alerts[0] = Resolved(alerts[0], kT0 + absl::Hours(5));
  std::vector<Notification> resolved =
      TickEverySecond(d, alerts, kT0 + absl::Hours(5), kT0 + absl::Hours(5) + absl::Minutes(15));
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_TRUE(resolved[0].alerts[0].resolved);
  EXPECT_TRUE(resolved[0].entry.firing.empty());
}

TEST(Dispatcher, SilencedAlertsAreNotSentAndAreSentOnceTheSilenceEnds) {
  const NotifyConfig c = Config();
  Dispatcher d(c);
  NotifyAlert a = Firing("Down", "n1", kT0);
  a.silenced = true;
  EXPECT_TRUE(TickEverySecond(d, {a}, kT0, kT0 + absl::Minutes(10)).empty());
  a.silenced = false;
  // The alert has waited longer than group_wait already: sent at once.
  std::vector<Notification> sent = d.Tick({a}, kT0 + absl::Minutes(10) + absl::Seconds(1));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].alerts[0].id, a.id);
}

TEST(Dispatcher, AnAcknowledgedGroupIsNotRepeated) {
  const NotifyConfig c = Config();
  Dispatcher d(c);
  NotifyAlert a = Firing("Down", "n1", kT0);
  ASSERT_EQ(TickEverySecond(d, {a}, kT0, kT0 + absl::Seconds(30)).size(), 1u);
  a.acknowledged = true;
  EXPECT_TRUE(TickEverySecond(d, {a}, kT0 + absl::Minutes(1), kT0 + absl::Hours(9)).empty());
  // A new alert in the group still goes out.
  const NotifyAlert b = Firing("Down", "n2", kT0 + absl::Hours(9));
  std::vector<Notification> sent =
      TickEverySecond(d, {a, b}, kT0 + absl::Hours(9), kT0 + absl::Hours(9) + absl::Minutes(5));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].alerts.size(), 2u);
}

NotifyConfig EscalatingConfig() {
  NotifyConfig c = Config();
  c.escalations = {{.severity = "critical",
                    .renotify_interval = absl::Minutes(10),
                    .escalate_after = absl::Minutes(30),
                    .escalate_to = "boss"}};
  return c;
}

TEST(Dispatcher, UnacknowledgedCriticalAlertsRenotifyAndEscalate) {
  const NotifyConfig c = EscalatingConfig();
  Dispatcher d(c);
  const NotifyAlert a = Firing("Down", "n1", kT0, "critical");
  std::vector<Notification> sent = TickEverySecond(d, {a}, kT0, kT0 + absl::Minutes(31));
  // pager at 30s, renotified every 10 minutes (at the looks every 5 minutes: 10m30s, 20m30s,
  // 30m30s) instead of every 4 hours, and at 30m the escalation to boss.
  std::vector<std::string> receivers;
  for (const Notification& n : sent) receivers.push_back(n.receiver);
  EXPECT_EQ(receivers, (std::vector<std::string>{"pager", "pager", "pager", "boss", "pager"}));
  EXPECT_EQ(sent[3].group_key, R"(escalation/route.routes[0]:{alertname="Down"})");
}

TEST(Dispatcher, AnAckStopsEscalationAndRenotification) {
  const NotifyConfig c = EscalatingConfig();
  Dispatcher d(c);
  NotifyAlert a = Firing("Down", "n1", kT0, "critical");
  ASSERT_EQ(TickEverySecond(d, {a}, kT0, kT0 + absl::Seconds(30)).size(), 1u);
  a.acknowledged = true;
  EXPECT_TRUE(TickEverySecond(d, {a}, kT0 + absl::Seconds(31), kT0 + absl::Hours(3)).empty());
}

TEST(Dispatcher, ARestoredLogDoesNotSendTheSameGroupAgain) {
  const NotifyConfig c = Config();
  const NotifyAlert a = Firing("Down", "n1", kT0);
  Dispatcher first(c);
  std::vector<Notification> sent = TickEverySecond(first, {a}, kT0, kT0 + absl::Seconds(30));
  ASSERT_EQ(sent.size(), 1u);
  // A restart (or another replica taking over) with the persisted log.
  Dispatcher second(c);
  second.RestoreLog({{Dispatcher::LogKey(sent[0].receiver, sent[0].group_key), sent[0].entry}});
  EXPECT_TRUE(
      TickEverySecond(second, {a}, kT0 + absl::Minutes(1), kT0 + absl::Minutes(20)).empty());
  // Without it the group goes out again at once.
  Dispatcher forgetful(c);
  EXPECT_EQ(forgetful.Tick({a}, kT0 + absl::Minutes(1)).size(), 1u);
}

TEST(Dispatcher, AnAlertFiringAnewAfterItsGroupEndedIsSentAgain) {
  const NotifyConfig c = Config();
  Dispatcher d(c);
  NotifyAlert a = Firing("Down", "n1", kT0);
  ASSERT_EQ(TickEverySecond(d, {a}, kT0, kT0 + absl::Seconds(30)).size(), 1u);
  ASSERT_EQ(TickEverySecond(d, {Resolved(a, kT0 + absl::Minutes(1))}, kT0 + absl::Minutes(1),
                            kT0 + absl::Minutes(6))
                .size(),
            1u);
  // The evaluator forgets the resolved alert after its retention; then it fires again.
  EXPECT_TRUE(d.Tick({}, kT0 + absl::Minutes(20)).empty());
  a.fired_at = kT0 + absl::Minutes(21);
  EXPECT_TRUE(d.Tick({a}, kT0 + absl::Minutes(21)).empty());  // group_wait
  EXPECT_EQ(d.Tick({a}, kT0 + absl::Minutes(21) + absl::Seconds(30)).size(), 1u);
}

}  // namespace
}  // namespace datamesh::monitoring::notify
