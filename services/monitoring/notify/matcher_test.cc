#include "services/monitoring/notify/matcher.h"

#include <gtest/gtest.h>

#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::notify {
namespace {

using ::datamesh::testing::StatusIs;

const promql::Labels kLabels =
    promql::MakeLabels({{"alertname", "NodeDown"}, {"severity", "critical"}, {"zone", "z1"}});

bool Matches(std::string_view text, const promql::Labels& labels = kLabels) {
  absl::StatusOr<Matcher> m = Matcher::Parse(text);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() && m->Matches(labels);
}

TEST(Matcher, EachOperatorMatchesAsAlertmanagerDoes) {
  EXPECT_TRUE(Matches("alertname=NodeDown"));
  EXPECT_FALSE(Matches("alertname=Other"));
  EXPECT_TRUE(Matches("severity!=warning"));
  EXPECT_FALSE(Matches("severity!=critical"));
  EXPECT_TRUE(Matches("severity=~crit.*"));
  EXPECT_FALSE(Matches("severity=~crit"));  // anchored: the whole value must match
  EXPECT_TRUE(Matches("zone!~z[23]"));
  EXPECT_FALSE(Matches("zone!~z[12]"));
}

TEST(Matcher, QuotedValuesAndSpacesAreRead) {
  EXPECT_TRUE(Matches(R"(alertname = "NodeDown")"));
  EXPECT_TRUE(Matches(R"(severity=~"warning|critical")"));
  absl::StatusOr<Matcher> m = Matcher::Parse(R"(summary="a \"quoted\" word")");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->value(), R"(a "quoted" word)");
  EXPECT_EQ(m->ToString(), R"(summary="a \"quoted\" word")");
}

TEST(Matcher, AnAbsentLabelReadsAsEmpty) {
  EXPECT_TRUE(Matches("team="));
  EXPECT_FALSE(Matches("team=~.+"));
  EXPECT_TRUE(Matches("team!=ops"));
}

TEST(Matcher, BadTextIsRefusedWithTheReason) {
  EXPECT_THAT(Matcher::Parse("alertname").status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Matcher::Parse("=x").status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Matcher::Parse("1abc=x").status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Matcher::Parse("a=~(").status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Matcher::Parse(R"(a="open)").status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Matcher::Parse("a!x").status(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Matcher, AllMustMatch) {
  std::vector<Matcher> ms = {*Matcher::Parse("alertname=NodeDown"), *Matcher::Parse("zone=z2")};
  EXPECT_FALSE(MatchesAll(ms, kLabels));
  ms.pop_back();
  EXPECT_TRUE(MatchesAll(ms, kLabels));
  EXPECT_TRUE(MatchesAll({}, kLabels));
}

}  // namespace
}  // namespace datamesh::monitoring::notify
