// AlertTable against a real PostgreSQL: a group's alerts come back as saved, saving replaces,
// and the evaluator lease admits one holder at a time.
#include "services/monitoring/alerts/alert_table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "monitoring_migrations.h"
#include "shared/testing/wait_for.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::monitoring::alerts {
namespace {

const absl::Time kT = absl::FromUnixMillis(1'700'000'000'123);

class AlertTableTest : public testing::WithTestStack {
 protected:
  void SetUp() override {
    WithTestStack::SetUp();
    pg::PoolOptions po;
    po.url = stack_->pg_url();
    auto pool = pg::Pool::Create(po);
    ASSERT_OK(pool);
    pool_ = std::move(*pool);
    ASSERT_OK(pg::ApplyMigrations(*pool_, "monitoring", monitoring_migrations()));
    table_ = std::make_unique<AlertTable>(*pool_);
  }

  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<AlertTable> table_;
};

Alert Firing() {
  Alert a;
  a.id = "f-1";
  a.labels = promql::MakeLabels({{"alertname", "Down"}, {"instance", "n\"1"}});
  a.annotations = promql::MakeLabels({{"summary", "n1 is down ✗"}});
  a.state = AlertState::kFiring;
  a.value = std::numeric_limits<double>::quiet_NaN();
  a.active_at = kT - absl::Minutes(5);
  a.fired_at = kT - absl::Minutes(4);
  a.keep_firing_since = kT;
  // Its explanation: one change with a ratio, one from a baseline of 0 (no ratio).
  a.explanation = {
      {promql::MakeLabels({{"__name__", "errors_total"}, {"instance", "n\"1"}}), 1, 4, 3, 60, true},
      {promql::MakeLabels({{"__name__", "queue"}}), 0, 5, std::numeric_limits<double>::quiet_NaN(),
       5e9, false}};
  return a;
}

TEST_F(AlertTableTest, AGroupsAlertsComeBackAsSaved) {
  Alert pending;
  pending.id = "p-1";
  pending.labels = promql::MakeLabels({{"alertname", "Full"}});
  pending.state = AlertState::kPending;
  pending.value = 0.93;
  pending.active_at = kT;
  Alert resolved = Firing();
  resolved.id = "r-1";
  resolved.state = AlertState::kInactive;
  resolved.resolved_at = kT + absl::Minutes(1);
  ASSERT_OK(table_->SaveGroup("g1", kT, {{"Down", {Firing(), resolved}}, {"Full", {pending}}}));
  absl::StatusOr<StoredGroup> got = table_->LoadGroup("g1");
  ASSERT_OK(got);
  EXPECT_EQ(got->last_evaluation, kT);
  ASSERT_EQ(got->alerts_by_rule.size(), 2u);
  const std::vector<Alert>& down = got->alerts_by_rule.at("Down");
  ASSERT_EQ(down.size(), 2u);
  EXPECT_EQ(down[0].id, "f-1");
  EXPECT_EQ(down[0].labels, Firing().labels);
  EXPECT_EQ(down[0].annotations, Firing().annotations);
  EXPECT_EQ(down[0].state, AlertState::kFiring);
  EXPECT_TRUE(std::isnan(down[0].value));
  EXPECT_EQ(down[0].active_at, Firing().active_at);
  EXPECT_EQ(down[0].fired_at, Firing().fired_at);
  EXPECT_EQ(down[0].resolved_at, absl::InfinitePast());
  EXPECT_EQ(down[0].keep_firing_since, kT);
  ASSERT_EQ(down[0].explanation.size(), 2u);
  EXPECT_EQ(down[0].explanation[0].labels, Firing().explanation[0].labels);
  EXPECT_EQ(down[0].explanation[0].window_mean, 4);
  EXPECT_EQ(down[0].explanation[0].change_ratio, 3);
  EXPECT_TRUE(down[0].explanation[0].rate);
  EXPECT_TRUE(std::isnan(down[0].explanation[1].change_ratio));
  EXPECT_EQ(down[0].explanation[1].score, 5e9);
  EXPECT_TRUE(got->alerts_by_rule.at("Full")[0].explanation.empty());
  EXPECT_EQ(down[1].state, AlertState::kInactive);
  EXPECT_EQ(down[1].resolved_at, kT + absl::Minutes(1));
  EXPECT_EQ(got->alerts_by_rule.at("Full")[0].value, 0.93);
  // Saving again replaces; other groups are untouched; an unknown group is empty.
  ASSERT_OK(table_->SaveGroup("g2", kT, {{"Down", {}}}));
  ASSERT_OK(table_->SaveGroup("g1", kT + absl::Minutes(1), {}));
  got = table_->LoadGroup("g1");
  ASSERT_OK(got);
  EXPECT_TRUE(got->alerts_by_rule.empty());
  EXPECT_EQ(got->last_evaluation, kT + absl::Minutes(1));
  absl::StatusOr<StoredGroup> none = table_->LoadGroup("never");
  ASSERT_OK(none);
  EXPECT_EQ(none->last_evaluation, absl::InfinitePast());
}

TEST_F(AlertTableTest, TheLeaseHasOneHolderUntilReleasedOrExpired) {
  ASSERT_OK(table_->ReleaseLease("a"));
  ASSERT_OK(table_->ReleaseLease("b"));
  EXPECT_TRUE(*table_->AcquireLease("a", absl::Minutes(1)));
  EXPECT_FALSE(*table_->AcquireLease("b", absl::Minutes(1)));
  EXPECT_TRUE(*table_->AcquireLease("a", absl::Minutes(1))) << "renewal";
  ASSERT_OK(table_->ReleaseLease("b"));  // not b's to release
  EXPECT_FALSE(*table_->AcquireLease("b", absl::Minutes(1)));
  ASSERT_OK(table_->ReleaseLease("a"));
  EXPECT_TRUE(*table_->AcquireLease("b", absl::Milliseconds(200)));
  EXPECT_FALSE(*table_->AcquireLease("a", absl::Minutes(1)));
  // b stops renewing: once its lease expires a takes over.
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        absl::StatusOr<bool> held = table_->AcquireLease("a", absl::Minutes(1));
        return held.ok() && *held;
      },
      absl::Seconds(10)));
  EXPECT_FALSE(*table_->AcquireLease("b", absl::Minutes(1)));
}

}  // namespace
}  // namespace datamesh::monitoring::alerts
