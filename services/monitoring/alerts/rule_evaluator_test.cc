#include "services/monitoring/alerts/rule_evaluator.h"

#include <gtest/gtest.h>

#include "services/monitoring/promql/memory_series_source.h"
#include "services/monitoring/rules/rule_loader.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::alerts {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

// PostgreSQL's part, in memory: saved groups and a lease judged by the fake clock.
class FakeStateStore final : public AlertStateStore {
 public:
  explicit FakeStateStore(const absl::Time* now) : now_(now) {}
  absl::Status SaveGroup(const std::string& group, absl::Time at,
                         const std::map<std::string, std::vector<Alert>>& alerts) override {
    groups_[group] = StoredGroup{at, alerts};
    return absl::OkStatus();
  }
  absl::StatusOr<StoredGroup> LoadGroup(const std::string& group) override {
    return groups_.contains(group) ? groups_[group] : StoredGroup{};
  }
  absl::StatusOr<bool> AcquireLease(const std::string& holder, absl::Duration ttl) override {
    if (holder_ != holder && *now_ < expires_) return false;
    holder_ = holder;
    expires_ = *now_ + ttl;
    return true;
  }
  absl::Status ReleaseLease(const std::string& holder) override {
    if (holder_ == holder) holder_.clear(), expires_ = absl::InfinitePast();
    return absl::OkStatus();
  }

 private:
  const absl::Time* now_;
  std::map<std::string, StoredGroup> groups_;
  std::string holder_;
  absl::Time expires_ = absl::InfinitePast();
};

class RuleEvaluatorTest : public ::testing::Test {
 protected:
  RuleEvaluatorTest() {
    // `down` is 1 for the whole test: the condition always holds.
    for (int m = -10; m <= 200; ++m) {
      EXPECT_OK(source_.Add(promql::MakeLabels({{"__name__", "down"}, {"node", "n1"}}),
                            absl::ToUnixMillis(kStart + absl::Minutes(m)), 1));
    }
  }

  std::unique_ptr<RuleEvaluator> Replica(const std::string& id) {
    absl::StatusOr<std::vector<rules::RuleGroup>> groups = rules::ParseRuleFile(R"(
groups:
  - name: g
    rules:
      - alert: NodeDown
        expr: down == 1
        for: 5m
)",
                                                                                "t.yml");
    EXPECT_OK(groups);
    RuleEvaluator::Deps deps;
    deps.source = &source_;
    deps.record = [](const std::vector<RecordedSample>&) { return absl::OkStatus(); };
    deps.state = &store_;
    deps.publish = [this, id](const std::string&, const AlertChange& c) {
      events_.push_back(id +
                        (c.kind == AlertChange::Kind::kTriggered ? " triggered" : " resolved"));
    };
    deps.new_id = [this] { return "a" + std::to_string(++ids_); };
    deps.clock = [this] { return now_; };
    deps.explain = explain_;
    return std::make_unique<RuleEvaluator>(
        std::move(*groups),
        RuleEvaluator::Options{.instance_id = id, .lease_ttl = absl::Minutes(3)}, deps, registry_);
  }

  AlertState StateOf(const RuleEvaluator& r) {
    const std::vector<Alert>& a = r.Snapshot().at(0).rules.at(0).alerts;
    return a.empty() ? AlertState::kInactive : a[0].state;
  }

  void At(int minute) { now_ = kStart + absl::Minutes(minute); }

  promql::MemorySeriesSource source_;
  absl::Time now_ = kStart;
  FakeStateStore store_{&now_};
  prometheus::Registry registry_;
  std::vector<std::string> events_;
  int ids_ = 0;
  decltype(RuleEvaluator::Deps::explain) explain_;  // unset unless a test sets it
};

TEST_F(RuleEvaluatorTest, AnAlertIsExplainedOnceWhenItStartsFiring) {
  std::vector<std::pair<absl::Duration, absl::Time>> calls;
  explain_ = [&](const Alert& a, absl::Duration for_duration, absl::Time now) {
    calls.push_back({for_duration, now});
    SeriesChange c;
    c.labels = promql::MakeLabels(
        {{"__name__", "moved"}, {"node", std::string(promql::GetLabel(a.labels, "node"))}});
    c.score = 7;
    return std::vector<SeriesChange>{c};
  };
  auto r = Replica("a");
  r->RenewLease();
  for (int m = 0; m <= 8; ++m) {
    At(m);
    r->Tick(0);
  }
  // Pending from 0, firing at 5: one call, with the rule's `for` and the firing time.
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].first, absl::Minutes(5));
  EXPECT_EQ(calls[0].second, kStart + absl::Minutes(5));
  const std::vector<Alert> alerts = r->Snapshot().at(0).rules.at(0).alerts;
  ASSERT_EQ(alerts.size(), 1u);
  ASSERT_EQ(alerts[0].explanation.size(), 1u);
  EXPECT_EQ(promql::GetLabel(alerts[0].explanation[0].labels, "node"), "n1");
  // Saved with the alert, so another replica lists it too.
  auto b = Replica("b");
  EXPECT_EQ(b->Snapshot().at(0).rules.at(0).alerts.at(0).explanation.size(), 1u);
}

TEST_F(RuleEvaluatorTest, OnlyTheLeaseHolderEvaluates) {
  auto a = Replica("a");
  auto b = Replica("b");
  a->RenewLease();
  b->RenewLease();
  EXPECT_TRUE(a->leader());
  EXPECT_FALSE(b->leader());
  a->Tick(0);
  b->Tick(0);
  EXPECT_EQ(StateOf(*a), AlertState::kPending);
  EXPECT_EQ(a->Snapshot()[0].rules[0].health.last_evaluation, kStart);
  // b did not evaluate, but lists what a saved.
  EXPECT_EQ(b->Snapshot()[0].rules[0].health.last_evaluation, absl::InfinitePast());
  EXPECT_EQ(StateOf(*b), AlertState::kPending);
  EXPECT_EQ(b->Snapshot()[0].last_evaluation, kStart);
}

TEST_F(RuleEvaluatorTest, ARestartShorterThanTheToleranceKeepsForProgress) {
  auto a = Replica("a");
  a->RenewLease();
  a->Tick(0);
  At(2);
  a->Tick(0);
  a->Release();
  a.reset();
  // Down for a minute; the new replica restores the alert pending since 2 minutes.
  At(3);
  auto b = Replica("b");
  b->RenewLease();
  ASSERT_TRUE(b->leader());
  EXPECT_EQ(StateOf(*b), AlertState::kPending);
  At(5);
  b->Tick(0);
  EXPECT_EQ(StateOf(*b), AlertState::kPending) << "4 of the 5 minutes pending";
  At(6);
  b->Tick(0);
  EXPECT_EQ(StateOf(*b), AlertState::kFiring);
  EXPECT_EQ(events_, std::vector<std::string>{"b triggered"});
  EXPECT_EQ(b->Snapshot()[0].rules[0].alerts[0].id, "a1") << "the same alert, not a new one";
}

TEST_F(RuleEvaluatorTest, AFiringAlertSurvivesARestartWithoutASecondTrigger) {
  auto a = Replica("a");
  a->RenewLease();
  for (int m = 0; m <= 5; ++m) At(m), a->Tick(0);
  EXPECT_EQ(events_, std::vector<std::string>{"a triggered"});
  a->Release();
  At(7);
  auto b = Replica("b");
  b->RenewLease();
  b->Tick(0);
  EXPECT_EQ(StateOf(*b), AlertState::kFiring);
  EXPECT_EQ(events_.size(), 1u);
}

TEST_F(RuleEvaluatorTest, AnOutageLongerThanTheToleranceStartsAfresh) {
  auto a = Replica("a");
  a->RenewLease();
  for (int m = 0; m <= 5; ++m) At(m), a->Tick(0);
  a->Release();
  At(5 + 61);
  auto b = Replica("b");
  b->RenewLease();
  EXPECT_TRUE(b->Snapshot()[0].rules[0].alerts.empty());
  b->Tick(0);
  EXPECT_EQ(StateOf(*b), AlertState::kPending);
  EXPECT_NE(b->Snapshot()[0].rules[0].alerts[0].id, "a1");
}

TEST_F(RuleEvaluatorTest, AReplicaThatLosesTheLeaseStopsEvaluating) {
  auto a = Replica("a");
  auto b = Replica("b");
  a->RenewLease();
  a->Tick(0);
  // a stalls past its lease; b takes over and a's renewal fails.
  At(4);
  b->RenewLease();
  EXPECT_TRUE(b->leader());
  a->RenewLease();
  EXPECT_FALSE(a->leader());
  At(5);
  a->Tick(0);
  EXPECT_EQ(a->Snapshot()[0].last_evaluation, kStart) << "a did not evaluate again";
}

}  // namespace
}  // namespace datamesh::monitoring::alerts
