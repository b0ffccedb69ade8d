#include "services/monitoring/prometheus_params.h"

#include <gtest/gtest.h>

namespace datamesh::monitoring {
namespace {

TEST(PrometheusParams, ReadsTimesAsPrometheusDoes) {
  EXPECT_EQ(*ParseApiTime("1700000000"), 1'700'000'000'000);
  EXPECT_EQ(*ParseApiTime("1.0026"), 1'003);  // rounded to the millisecond
  EXPECT_EQ(*ParseApiTime("1.0005"), 1'000);  // 1.000499999... as a double, as in Go
  EXPECT_EQ(*ParseApiTime("-1.5"), -1'500);
  EXPECT_EQ(*ParseApiTime("2030-01-01T00:00:00.1234Z"), 1'893'456'000'123);  // truncated
  EXPECT_EQ(*ParseApiTime("2030-01-01T01:00:00+01:00"), 1'893'456'000'000);
  EXPECT_EQ(*ParseApiTime("-292273086-05-16T16:47:06Z"), kApiMinTimeMs);
  EXPECT_EQ(*ParseApiTime("292277025-08-18T07:12:54.999999999Z"), kApiMaxTimeMs);
  EXPECT_EQ(ParseApiTime("abc").status().message(), "cannot parse \"abc\" to a valid timestamp");
  EXPECT_EQ(ParseApiTime("").status().message(), "cannot parse \"\" to a valid timestamp");
}

TEST(PrometheusParams, ReadsDurationsAsPrometheusDoes) {
  EXPECT_EQ(*ParseApiDuration("15"), 15'000);
  EXPECT_EQ(*ParseApiDuration("0.5"), 500);
  EXPECT_EQ(*ParseApiDuration("1m30s"), 90'000);
  EXPECT_EQ(*ParseApiDuration("-3"), -3'000);
  EXPECT_EQ(ParseApiDuration("x").status().message(), "cannot parse \"x\" to a valid duration");
  EXPECT_EQ(ParseApiDuration("1e400").status().message(),
            "cannot parse \"1e400\" to a valid duration");
  EXPECT_EQ(ParseApiDuration(" 5m").status().message(), "cannot parse \" 5m\" to a valid duration");
  EXPECT_EQ(ParseApiDuration("1e20").status().message(),
            "cannot parse \"1e20\" to a valid duration. It overflows int64");
}

TEST(PrometheusParams, KnowsValidLabelNames) {
  EXPECT_TRUE(IsValidLabelName("__name__"));
  EXPECT_TRUE(IsValidLabelName("job_2"));
  EXPECT_FALSE(IsValidLabelName("1a"));
  EXPECT_FALSE(IsValidLabelName("a-b"));
  EXPECT_FALSE(IsValidLabelName(""));
}

}  // namespace
}  // namespace datamesh::monitoring
