#include "services/monitoring/rules/prom_duration.h"

#include <gtest/gtest.h>

#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::rules {
namespace {

using ::datamesh::testing::StatusIs;

TEST(PromDuration, ReadsUnitsInOrder) {
  EXPECT_EQ(*ParsePromDuration("5m"), absl::Minutes(5));
  EXPECT_EQ(*ParsePromDuration("1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParsePromDuration("1d"), absl::Hours(24));
  EXPECT_EQ(*ParsePromDuration("1w2d"), absl::Hours(9 * 24));
  EXPECT_EQ(*ParsePromDuration("1y"), absl::Hours(365 * 24));
  EXPECT_EQ(*ParsePromDuration("1m500ms"), absl::Milliseconds(60'500));
  EXPECT_EQ(*ParsePromDuration("0"), absl::ZeroDuration());
  EXPECT_EQ(*ParsePromDuration("0s"), absl::ZeroDuration());
}

TEST(PromDuration, RefusesWhatPrometheusRefuses) {
  for (const char* bad : {"", "5", "m", "1.5m", "5m1h", "1h1h", "-5m", "5 m", "1mm", "1x"}) {
    EXPECT_THAT(ParsePromDuration(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(PromDuration, FormatsTheShortestText) {
  EXPECT_EQ(FormatPromDuration(absl::Minutes(90)), "1h30m");
  EXPECT_EQ(FormatPromDuration(absl::ZeroDuration()), "0s");
  EXPECT_EQ(FormatPromDuration(absl::Hours(24 * 8)), "1w1d");
  EXPECT_EQ(FormatPromDuration(absl::Milliseconds(1500)), "1s500ms");
}

}  // namespace
}  // namespace datamesh::monitoring::rules
