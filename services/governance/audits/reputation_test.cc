// The beta reputation as a table: updates and decay, what offline and unknown results do,
// vetting, the disqualification threshold, and that disqualification is final.
#include "services/governance/audits/reputation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace datamesh::governance::audits {
namespace {

TEST(ReputationTest, UpdatesAndDecayFollowTheTable) {
  ReputationRules rules;
  rules.lambda = 0.9;
  rules.weight = 1;
  rules.disqualify_below = 0;  // never, for this table
  rules.audits_required = 1000;
  NodeReputation n = NewReputation(rules);
  EXPECT_DOUBLE_EQ(n.alpha, 10);  // w / (1 - lambda): where a perfect node settles
  EXPECT_DOUBLE_EQ(n.beta, 0);
  EXPECT_DOUBLE_EQ(n.score(), 1);
  struct Row {
    const char* outcome;
    double alpha, beta;
  };
  // alpha <- 0.9 alpha + (1 + v) / 2; beta <- 0.9 beta + (1 - v) / 2.
  const std::vector<Row> table = {
      {"success", 10, 0},         // the fixed point
      {"failure", 9, 1},          //
      {"failure", 8.1, 1.9},      //
      {"offline", 8.1, 1.9},      // counted, no decay
      {"unknown", 8.1, 1.9},      // counted, no decay
      {"success", 8.29, 1.71},    //
      {"success", 8.461, 1.539},  // the failure fades
  };
  for (const Row& row : table) {
    SCOPED_TRACE(row.outcome);
    ASSERT_TRUE(ApplyAudit(n, row.outcome, rules).ok());
    EXPECT_NEAR(n.alpha, row.alpha, 1e-9);
    EXPECT_NEAR(n.beta, row.beta, 1e-9);
    EXPECT_NEAR(n.score(), row.alpha / (row.alpha + row.beta), 1e-12);
  }
  EXPECT_EQ(n.total, 7);
  EXPECT_EQ(n.success, 3);
  EXPECT_EQ(n.failed, 2);
  EXPECT_EQ(n.offline, 1);
}

TEST(ReputationTest, StraightFailuresScoreLambdaToTheN) {
  ReputationRules rules;  // defaults: lambda 0.999, threshold 0.96
  NodeReputation n = NewReputation(rules);
  int failures = 0;
  while (!n.disqualified) {
    ASSERT_TRUE(ApplyAudit(n, "failure", rules).ok());
    ++failures;
    if (!n.disqualified) EXPECT_NEAR(n.score(), std::pow(rules.lambda, failures), 1e-9);
  }
  // 0.999^40 = 0.96077 >= 0.96 > 0.999^41 = 0.95981.
  EXPECT_EQ(failures, 41);
}

TEST(ReputationTest, DisqualifiesExactlyWhenTheScoreFallsBelowTheThreshold) {
  ReputationRules rules;
  rules.lambda = 0.5;
  rules.weight = 1;
  rules.disqualify_below = 0.5;
  NodeReputation n = NewReputation(rules);       // alpha 2
  auto first = ApplyAudit(n, "failure", rules);  // alpha 1, beta 1: score 0.5, not below
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->disqualified_now);
  EXPECT_DOUBLE_EQ(n.score(), 0.5);
  auto second = ApplyAudit(n, "failure", rules);  // 0.5 / (0.5 + 1.5) = 0.25
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->disqualified_now);
  EXPECT_TRUE(n.disqualified);
  // Final: later successes are counted and change nothing else.
  const double score = n.score();
  for (int i = 0; i < 10; ++i) {
    auto later = ApplyAudit(n, "success", rules);
    ASSERT_TRUE(later.ok());
    EXPECT_FALSE(later->disqualified_now);
    EXPECT_FALSE(later->vetted_now);
  }
  EXPECT_DOUBLE_EQ(n.score(), score);
  EXPECT_EQ(n.success, 10);
}

TEST(ReputationTest, VettedOnceAtTheRequiredSuccesses) {
  ReputationRules rules;
  rules.audits_required = 3;
  NodeReputation n = NewReputation(rules);
  std::vector<bool> vetted_now;
  for (const char* o : {"success", "offline", "failure", "success", "success", "success"}) {
    auto e = ApplyAudit(n, o, rules);
    ASSERT_TRUE(e.ok());
    vetted_now.push_back(e->vetted_now);
  }
  EXPECT_EQ(vetted_now, (std::vector<bool>{false, false, false, false, true, false}));
  EXPECT_TRUE(n.vetted);
}

TEST(ReputationTest, RejectsUnknownOutcomesAndChangesNothing) {
  ReputationRules rules;
  NodeReputation n = NewReputation(rules);
  EXPECT_EQ(ApplyAudit(n, "great", rules).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplyAudit(n, "", rules).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(n.total, 0);
  EXPECT_DOUBLE_EQ(n.score(), 1);
}

}  // namespace
}  // namespace datamesh::governance::audits
