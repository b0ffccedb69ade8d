// The rule CRUD on a real PostgreSQL: rules are checked before they are stored, listed with the
// shipped ones (read-only), picked up by the evaluator without a restart — also by another
// replica — and evaluated; changed and deleted rules leave the evaluator.
#include "services/monitoring/admin_rules/admin_rules_service.h"

#include <gtest/gtest.h>

#include "monitoring_migrations.h"
#include "services/monitoring/admin_rules/admin_rule.h"
#include "services/monitoring/alerts/alert_table.h"
#include "services/monitoring/promql/memory_series_source.h"
#include "services/monitoring/rules/rule_loader.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::monitoring::admin_rules {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

// One replica: its evaluator (a shipped group and the admin group) and its AdminRules.
struct Replica {
  Replica(pg::Pool& pool, const promql::SeriesSource& source, const std::string& id)
      : alert_table(pool), table(pool) {
    absl::StatusOr<std::vector<rules::RuleGroup>> groups = rules::ParseRuleFile(R"(
groups:
  - name: shipped
    rules:
      - alert: ServiceDown
        expr: up == 0
        labels: {severity: critical}
)",
                                                                                "default_rules.yml");
    EXPECT_TRUE(groups.ok()) << groups.status();
    groups->push_back(rules::RuleGroup{.name = kAdminGroup, .file = "(api)"});
    alerts::RuleEvaluator::Deps deps;
    deps.source = &source;
    deps.record = [](const std::vector<alerts::RecordedSample>&) { return absl::OkStatus(); };
    deps.state = &alert_table;
    deps.publish = [this](const std::string& group, const alerts::AlertChange& c) {
      events.push_back(group + (c.kind == alerts::AlertChange::Kind::kTriggered ? " triggered "
                                                                                 : " resolved ") +
                       std::string(promql::GetLabel(c.alert.labels, "alertname")));
    };
    deps.new_id = [this] { return id_prefix + std::to_string(++ids); };
    deps.clock = [] { return kNow; };
    evaluator = std::make_unique<alerts::RuleEvaluator>(
        std::move(*groups), alerts::RuleEvaluator::Options{.instance_id = id}, deps, registry);
    rules = std::make_unique<AdminRules>(table, *evaluator, [this] {
      return id_prefix + "-rule-" + std::to_string(++ids);
    });
    id_prefix = id;
  }

  std::vector<std::string> AdminRuleNames() const {
    std::vector<std::string> out;
    for (const rules::RuleGroup& g : evaluator->Definitions()) {
      if (g.name != kAdminGroup) continue;
      for (const rules::Rule& r : g.rules) out.push_back(r.name);
    }
    return out;
  }

  prometheus::Registry registry;
  alerts::AlertTable alert_table;
  AdminRuleTable table;
  std::unique_ptr<alerts::RuleEvaluator> evaluator;
  std::unique_ptr<AdminRules> rules;
  std::vector<std::string> events;
  std::string id_prefix;
  int ids = 0;
};

class AdminRulesTest : public testing::WithTestStack {
 protected:
  void SetUp() override {
    WithTestStack::SetUp();
    pg::PoolOptions po;
    po.url = stack_->pg_url();
    auto pool = pg::Pool::Create(po);
    ASSERT_OK(pool);
    pool_ = std::move(*pool);
    ASSERT_OK(pg::ApplyMigrations(*pool_, "monitoring", monitoring_migrations()));
    ASSERT_OK(pool_->Transact([](pqxx::work& tx) {
      tx.exec("DELETE FROM monitoring.admin_rules");
      tx.exec("DELETE FROM monitoring.evaluator_lease");
      tx.exec("DELETE FROM monitoring.alerts");
      tx.exec("DELETE FROM monitoring.rule_groups");
      return absl::OkStatus();
    }));
    for (int m = -30; m <= 0; ++m) {
      ASSERT_OK(source_.Add(promql::MakeLabels({{"__name__", "queue_depth"}, {"node", "n1"}}),
                            absl::ToUnixMillis(kNow + absl::Minutes(m)), 500));
    }
  }

  v1::CreateAlertRuleRequest FromYamlText(const std::string& yaml) {
    v1::CreateAlertRuleRequest req;
    req.set_rule_yaml(yaml);
    return req;
  }

  std::unique_ptr<pg::Pool> pool_;
  promql::MemorySeriesSource source_;
};

TEST_F(AdminRulesTest, CreatedRulesAreListedWithTheShippedOnesAndEvaluatedAtOnce) {
  Replica a(*pool_, source_, "a");
  absl::StatusOr<v1::AlertRule> created = a.rules->Create(FromYamlText(
      "alert: QueueDeep\nexpr: queue_depth > 100\nlabels: {severity: critical}\n"
      "annotations: {summary: 'deep on {{ $labels.node }}'}\n"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_FALSE(created->id().empty());
  EXPECT_EQ(created->group(), kAdminGroup);
  EXPECT_NE(created->yaml().find("alert: QueueDeep"), std::string::npos) << created->yaml();
  EXPECT_EQ(a.AdminRuleNames(), std::vector<std::string>{"QueueDeep"});

  absl::StatusOr<std::vector<v1::AlertRule>> all = a.rules->List();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name(), "QueueDeep");
  EXPECT_FALSE((*all)[0].read_only());
  EXPECT_EQ((*all)[1].name(), "ServiceDown");
  EXPECT_TRUE((*all)[1].read_only());
  EXPECT_EQ((*all)[1].id(), "shipped/ServiceDown");
  EXPECT_EQ(a.rules->Get(created->id())->name(), "QueueDeep");

  // Evaluated by the lease holder at its next tick: the alert fires (no `for`).
  a.evaluator->RenewLease();
  ASSERT_TRUE(a.evaluator->leader());
  a.evaluator->Tick(1);
  EXPECT_EQ(a.events, std::vector<std::string>{"admin triggered QueueDeep"});
  const std::vector<alerts::GroupSnapshot> snap = a.evaluator->Snapshot();
  ASSERT_EQ(snap[1].rules.size(), 1u);
  ASSERT_EQ(snap[1].rules[0].alerts.size(), 1u);
  EXPECT_EQ(promql::GetLabel(snap[1].rules[0].alerts[0].annotations, "summary"), "deep on n1");

  // Deleting it resolves its firing alert and takes it out of the evaluator.
  ASSERT_OK(a.rules->Delete(created->id()));
  EXPECT_TRUE(a.AdminRuleNames().empty());
  EXPECT_EQ(a.events.back(), "admin resolved QueueDeep");
  EXPECT_EQ(a.rules->Delete(created->id()).code(), absl::StatusCode::kNotFound);
  a.evaluator->Release();
}

TEST_F(AdminRulesTest, BadRulesAreRefusedAndNothingIsStored) {
  Replica a(*pool_, source_, "a");
  absl::StatusOr<v1::AlertRule> bad =
      a.rules->Create(FromYamlText("alert: Broken\nexpr: rate(queue_depth[5m]\n"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("parse error"), std::string::npos) << bad.status();
  v1::CreateAlertRuleRequest no_kind;
  no_kind.mutable_rule()->set_name("NoKind");
  no_kind.mutable_rule()->set_expr("up");
  EXPECT_EQ(a.rules->Create(no_kind).status().code(), absl::StatusCode::kInvalidArgument);
  // The shipped rule's name is taken; so is an admin rule's.
  EXPECT_EQ(a.rules->Create(FromYamlText("alert: ServiceDown\nexpr: up == 0\n")).status().code(),
            absl::StatusCode::kAlreadyExists);
  ASSERT_OK(a.rules->Create(FromYamlText("alert: Once\nexpr: up == 0\n")).status());
  EXPECT_EQ(a.rules->Create(FromYamlText("alert: Once\nexpr: up == 1\n")).status().code(),
            absl::StatusCode::kAlreadyExists);
  absl::StatusOr<std::vector<v1::AlertRule>> all = a.rules->List();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);  // Once and the shipped rule
  // Shipped rules are read-only.
  EXPECT_EQ(a.rules->Delete("shipped/ServiceDown").code(), absl::StatusCode::kFailedPrecondition);
  v1::UpdateAlertRuleRequest edit_shipped;
  edit_shipped.mutable_rule()->set_id("shipped/ServiceDown");
  edit_shipped.set_rule_yaml("alert: ServiceDown\nexpr: up == 1\n");
  EXPECT_EQ(a.rules->Update(edit_shipped).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(AdminRulesTest, AnotherReplicaPicksUpChangesOnReload) {
  Replica a(*pool_, source_, "a");
  Replica b(*pool_, source_, "b");
  absl::StatusOr<v1::AlertRule> created =
      a.rules->Create(FromYamlText("alert: QueueDeep\nexpr: queue_depth > 100\n"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(b.AdminRuleNames().empty());
  ASSERT_OK(b.rules->Reload());
  EXPECT_EQ(b.AdminRuleNames(), std::vector<std::string>{"QueueDeep"});

  // b evaluates; a changes the rule; b's next reload replaces it (the alert of the old
  // definition resolves), and a disabled rule stays stored but leaves the evaluator.
  b.evaluator->RenewLease();
  b.evaluator->Tick(1);
  EXPECT_EQ(b.events, std::vector<std::string>{"admin triggered QueueDeep"});
  v1::UpdateAlertRuleRequest update;
  update.mutable_rule()->set_id(created->id());
  update.set_rule_yaml("alert: QueueDeep\nexpr: queue_depth > 1000\nenabled: false\n");
  absl::StatusOr<v1::AlertRule> updated = a.rules->Update(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_FALSE(updated->enabled());
  ASSERT_OK(b.rules->Reload());
  EXPECT_TRUE(b.AdminRuleNames().empty());
  EXPECT_EQ(b.events.back(), "admin resolved QueueDeep");
  EXPECT_EQ(b.rules->List()->size(), 2u);

  update.set_rule_yaml("alert: QueueDeep\nexpr: queue_depth > 1000\n");
  ASSERT_TRUE(a.rules->Update(update).ok());
  ASSERT_OK(b.rules->Reload());
  EXPECT_EQ(b.AdminRuleNames(), std::vector<std::string>{"QueueDeep"});
  b.evaluator->Tick(1);
  EXPECT_EQ(b.events.size(), 2u) << b.events.back();  // 500 is not above 1000: nothing new fires
  v1::UpdateAlertRuleRequest missing;
  missing.mutable_rule()->set_id("nope");
  missing.set_rule_yaml("alert: Other\nexpr: up\n");
  EXPECT_EQ(a.rules->Update(missing).status().code(), absl::StatusCode::kNotFound);
  b.evaluator->Release();
}

}  // namespace
}  // namespace datamesh::monitoring::admin_rules
