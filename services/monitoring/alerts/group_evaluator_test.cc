#include "services/monitoring/alerts/group_evaluator.h"

#include <gtest/gtest.h>

#include <cmath>

#include "services/monitoring/promql/memory_series_source.h"
#include "services/monitoring/rules/rule_loader.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::alerts {
namespace {

using promql::MakeLabels;

rules::RuleGroup Group(const char* yaml) {
  absl::StatusOr<std::vector<rules::RuleGroup>> g = rules::ParseRuleFile(yaml, "test.yml");
  EXPECT_OK(g);
  return g.ok() && !g->empty() ? (*g)[0] : rules::RuleGroup{};
}

class GroupEvaluatorTest : public ::testing::Test {
 protected:
  std::vector<AlertChange> Eval(GroupEvaluator& g, int seconds) {
    return g.Evaluate(source_, sink_, absl::FromUnixSeconds(seconds));
  }
  void Up(const char* instance, int seconds, double v) {
    ASSERT_OK(
        source_.Add(MakeLabels({{"__name__", "up"}, {"instance", instance}}), seconds * 1000LL, v));
  }

  promql::MemorySeriesSource source_;
  std::vector<RecordedSample> recorded_;
  RecordSink sink_ = [this](const std::vector<RecordedSample>& s) {
    for (const RecordedSample& r : s) {
      recorded_.push_back(r);
      if (absl::Status st = source_.Add(r.labels, r.t_ms, r.value); !st.ok()) return st;
    }
    return absl::OkStatus();
  };
};

TEST_F(GroupEvaluatorTest, LaterRulesSeeWhatEarlierOnesRecorded) {
  GroupEvaluator g(Group(R"(
groups:
  - name: g
    rules:
      - record: total:up
        expr: sum(up)
        labels: {scope: all}
      - alert: TooFewUp
        expr: total:up < 2
)"),
                   [] { return std::string("id"); });
  Up("a", 0, 1);
  Up("b", 0, 0);
  const std::vector<AlertChange> c = Eval(g, 10);
  ASSERT_EQ(recorded_.size(), 1u);
  EXPECT_EQ(recorded_[0].labels, MakeLabels({{"__name__", "total:up"}, {"scope", "all"}}));
  EXPECT_EQ(recorded_[0].t_ms, 10'000);
  EXPECT_EQ(recorded_[0].value, 1);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(promql::GetLabel(c[0].alert.labels, "scope"), "all");
}

TEST_F(GroupEvaluatorTest, ARecordedSeriesThatDisappearsGetsAStalenessMarker) {
  GroupEvaluator g(Group(R"(
groups:
  - name: g
    rules:
      - record: instance:up:x2
        expr: up * 2
)"),
                   [] { return std::string("id"); });
  Up("a", 0, 1);
  Up("b", 0, 1);
  Eval(g, 10);
  Up("a", 20, 1);
  ASSERT_OK(
      source_.Add(MakeLabels({{"__name__", "up"}, {"instance", "b"}}), 20'000, StaleMarkerValue()));
  recorded_.clear();
  Eval(g, 30);
  ASSERT_EQ(recorded_.size(), 2u);
  EXPECT_EQ(promql::GetLabel(recorded_[1].labels, "instance"), "b");
  EXPECT_TRUE(std::isnan(recorded_[1].value));
}

TEST_F(GroupEvaluatorTest, AFailingRuleRecordsItsErrorAndTheOthersStillRun) {
  GroupEvaluator g(Group(R"(
groups:
  - name: g
    rules:
      - alert: Clash
        expr: '{__name__=~"a|b"}'
      - alert: Down
        expr: up == 0
)"),
                   [] { return std::string("id"); });
  // a{i="1"} and b{i="1"} are one alert once __name__ is dropped.
  ASSERT_OK(source_.Add(MakeLabels({{"__name__", "a"}, {"i", "1"}}), 0, 1));
  ASSERT_OK(source_.Add(MakeLabels({{"__name__", "b"}, {"i", "1"}}), 0, 1));
  Up("a", 0, 0);
  Eval(g, 10);
  const std::vector<RuleSnapshot> s = g.Snapshot();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_FALSE(s[0].health.last_error.ok());
  EXPECT_TRUE(s[0].alerts.empty());
  EXPECT_TRUE(s[1].health.last_error.ok());
  EXPECT_EQ(s[1].alerts.size(), 1u);
  EXPECT_EQ(s[1].health.last_evaluation, absl::FromUnixSeconds(10));
}

TEST_F(GroupEvaluatorTest, AnExecutionErrorIsKeptInTheRulesHealth) {
  GroupEvaluator g(Group(R"(
groups:
  - name: g
    rules:
      - alert: Many
        expr: up + on() group_left up
)"),
                   [] { return std::string("id"); });
  Up("a", 0, 1);
  Up("b", 0, 1);
  Eval(g, 10);
  EXPECT_FALSE(g.Snapshot()[0].health.last_error.ok());
  EXPECT_TRUE(g.Snapshot()[0].alerts.empty());
}

}  // namespace
}  // namespace datamesh::monitoring::alerts
