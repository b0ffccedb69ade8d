// The tally's rules, case by case: quorum, veto and threshold at and around their exact
// boundaries, changed votes and the power snapshot.
#include "services/governance/proposals/tally.h"

#include <gtest/gtest.h>

namespace datamesh::governance::proposals {
namespace {

using Power = std::unordered_map<std::string, int64_t>;

struct Case {
  const char* name;
  Power power;
  std::vector<Vote> votes;
  Outcome outcome;
  bool quorum;
};

// Ten accounts of 100 each: total power 1,000; quorum 0.334 needs 334.
Power TenOfHundred() {
  Power p;
  for (int i = 0; i < 10; ++i) p["a" + std::to_string(i)] = 100;
  return p;
}

TEST(Tally, DecidesEachCaseOfTheTable) {
  const Choice Y = Choice::kYes, N = Choice::kNo, A = Choice::kAbstain, V = Choice::kVeto;
  const Power ten = TenOfHundred();
  const std::vector<Case> cases = {
      {"quorum missed (300 of 1000 voted)",
       ten,
       {{"a0", Y}, {"a1", Y}, {"a2", Y}},
       Outcome::kExpired,
       false},
      {"exactly at quorum passes", {{"a", 334}, {"b", 666}}, {{"a", Y}}, Outcome::kPassed, true},
      {"one short of quorum", {{"a", 333}, {"b", 667}}, {{"a", Y}}, Outcome::kExpired, false},
      {"veto at exactly 0.334 of votes",
       {{"y", 666}, {"v", 334}},
       {{"y", Y}, {"v", V}},
       Outcome::kVetoed,
       true},
      {"veto just under 0.334 counts as no",
       {{"y", 667}, {"v", 333}},
       {{"y", Y}, {"v", V}},
       Outcome::kPassed,
       true},
      {"all abstain: quorum but nothing decides",
       ten,
       {{"a0", A}, {"a1", A}, {"a2", A}, {"a3", A}},
       Outcome::kRejected,
       true},
      {"exact threshold 0.5 does not pass",
       ten,
       {{"a0", Y}, {"a1", Y}, {"a2", N}, {"a3", N}},
       Outcome::kRejected,
       true},
      {"one more yes than no passes",
       {{"y", 501}, {"n", 499}},
       {{"y", Y}, {"n", N}},
       Outcome::kPassed,
       true},
      {"abstain counts for quorum only",
       ten,
       {{"a0", Y}, {"a1", A}, {"a2", A}, {"a3", A}},
       Outcome::kPassed,
       true},
      {"changed vote: the last one counts",
       ten,
       {{"a0", N}, {"a1", N}, {"a2", Y}, {"a3", Y}, {"a0", Y}},
       Outcome::kPassed,
       true},
      {"voter outside the snapshot weighs nothing",
       ten,
       {{"a0", Y}, {"a1", Y}, {"a2", Y}, {"late", Y}},
       Outcome::kExpired,
       false},
      {"no power at all never reaches quorum", {}, {{"x", Y}}, Outcome::kExpired, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TallyResult r = Tally(c.power, c.votes, Thresholds{});
    EXPECT_EQ(r.outcome, c.outcome) << OutcomeName(r.outcome);
    EXPECT_EQ(r.quorum_reached, c.quorum);
  }
}

TEST(Tally, SumsTheWeightOfEachChoice) {
  TallyResult r = Tally({{"a", 5}, {"b", 7}, {"c", 11}, {"d", 13}, {"e", 17}},
                        {{"a", Choice::kYes},
                         {"b", Choice::kNo},
                         {"c", Choice::kAbstain},
                         {"d", Choice::kVeto},
                         {"b", Choice::kYes}},
                        Thresholds{});
  EXPECT_EQ(r.yes, 12);
  EXPECT_EQ(r.no, 0);
  EXPECT_EQ(r.abstain, 11);
  EXPECT_EQ(r.veto, 13);
  EXPECT_EQ(r.total_power, 53);
}

TEST(Tally, SnapshotIgnoresStakeGainedAfterVotingOpened) {
  // "b" staked 900 more after the snapshot; the tally sees only the snapshot's 100.
  const Power snapshot = {{"a", 300}, {"b", 100}};
  TallyResult r = Tally(snapshot, {{"a", Choice::kNo}, {"b", Choice::kYes}}, Thresholds{});
  EXPECT_EQ(r.yes, 100);
  EXPECT_EQ(r.total_power, 400);
  EXPECT_EQ(r.outcome, Outcome::kRejected);
}

TEST(Tally, ExactAtLargeAmounts) {
  // 1e15 micro-tokens (a billion tokens) with a quorum met to the last micro-token.
  const int64_t total = 1'000'000'000'000'000;
  TallyResult at = Decide(334'000'000'000'000, 0, 0, 0, total, Thresholds{});
  TallyResult below = Decide(333'999'999'999'999, 0, 0, 0, total, Thresholds{});
  EXPECT_TRUE(at.quorum_reached);
  EXPECT_FALSE(below.quorum_reached);
}

TEST(Tally, ParsesEveryChoiceAndRefusesOthers) {
  for (const char* name : {"yes", "no", "abstain", "veto"}) {
    Choice c;
    ASSERT_TRUE(ParseChoice(name, &c));
    EXPECT_STREQ(ChoiceName(c), name);
  }
  Choice c;
  EXPECT_FALSE(ParseChoice("Yes", &c));
  EXPECT_FALSE(ParseChoice("", &c));
}

}  // namespace
}  // namespace datamesh::governance::proposals
