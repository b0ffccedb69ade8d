// The Prometheus API subset over an in-memory source: answers and error texts as Prometheus
// 2.42 gives them (checked by hand against its /api/v1 endpoints).
#include "services/monitoring/prometheus_api.h"

#include <gtest/gtest.h>

#include "services/monitoring/promql/memory_series_source.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring {
namespace {

using ::datamesh::testing::StatusIs;

const absl::Time kApiNow = absl::FromUnixSeconds(1'700'000'000);
const int64_t kApiNowMs = absl::ToUnixMillis(kApiNow);

class PrometheusApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 10; ++i) {
      const int64_t t = kApiNowMs - 90'000 + i * 10'000;
      ASSERT_TRUE(source_.Add(promql::MakeLabels({{"__name__", "up"}, {"job", "a"}}), t, 1).ok());
      ASSERT_TRUE(
          source_.Add(promql::MakeLabels({{"__name__", "up"}, {"job", "b<&>"}}), t, 0).ok());
      ASSERT_TRUE(
          source_
              .Add(promql::MakeLabels({{"__name__", "reqs_total"}, {"job", "a"}, {"code", "200"}}),
                   t, i * 10.0)
              .ok());
    }
    ASSERT_TRUE(
        source_.Add(promql::MakeLabels({{"__name__", "old"}, {"zone", "z"}}), 1'000, 1).ok());
  }

  std::string Error(const absl::StatusOr<std::string>& r) {
    return r.ok() ? "(ok) " + *r : std::string(r.status().message());
  }

  promql::MemorySeriesSource source_;
  PrometheusApi api_{source_};
};

TEST_F(PrometheusApiTest, InstantQueriesRenderAsPrometheusDoes) {
  auto r = api_.Query({{"query", "up{job=\"a\"}"}}, kApiNow);
  ASSERT_OK(r);
  EXPECT_EQ(
      *r,
      R"({"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a"},"value":[1700000000,"1"]}]})");
  r = api_.Query({{"query", "sum(rate(reqs_total[1m]))"}, {"time", "1700000000.5"}}, kApiNow);
  ASSERT_OK(r);
  EXPECT_EQ(*r, R"({"resultType":"vector","result":[{"metric":{},"value":[1700000000.5,"1"]}]})");
  r = api_.Query({{"query", "up{job!=\"a\"}"}}, kApiNow);
  ASSERT_OK(r);
  EXPECT_NE(r->find(R"("job":"b\u003c\u0026\u003e")"), std::string::npos) << *r;  // Go's escapes
  // Go's Request.Form order: the first value of a name counts.
  r = api_.Query({{"query", "1"}, {"query", "2"}}, kApiNow);
  ASSERT_OK(r);
  EXPECT_EQ(*r, R"({"resultType":"scalar","result":[1700000000,"1"]})");
}

TEST_F(PrometheusApiTest, RangeQueriesAreMatrices) {
  auto r = api_.QueryRange({{"query", "up{job=\"a\"}"},
                            {"start", "1699999980"},
                            {"end", "1700000000"},
                            {"step", "10s"}});
  ASSERT_OK(r);
  EXPECT_EQ(
      *r,
      R"({"resultType":"matrix","result":[{"metric":{"__name__":"up","job":"a"},"values":[[1699999980,"1"],[1699999990,"1"],[1700000000,"1"]]}]})");
}

TEST_F(PrometheusApiTest, BadParametersGetPrometheusErrors) {
  EXPECT_EQ(Error(api_.Query({{"query", ""}}, kApiNow)),
            "invalid parameter \"query\": 1:1: parse error: no expression found in input");
  EXPECT_EQ(Error(api_.Query({{"query", "up"}, {"time", "abc"}}, kApiNow)),
            "invalid parameter \"time\": Invalid time value for 'time': cannot parse \"abc\" to a "
            "valid timestamp");
  EXPECT_EQ(Error(api_.Query({{"query", "up"}, {"timeout", "x"}}, kApiNow)),
            "invalid parameter \"timeout\": cannot parse \"x\" to a valid duration");
  EXPECT_THAT(api_.Query({{"query", "sum(rate(x[5m])"}}, kApiNow),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const std::vector<std::pair<ApiParams, std::string>> range_cases = {
      {{{"query", "up"}, {"end", "2"}, {"step", "1"}},
       "invalid parameter \"start\": cannot parse \"\" to a valid timestamp"},
      {{{"query", "up"}, {"start", "1"}, {"end", "0"}, {"step", "1"}},
       "invalid parameter \"end\": end timestamp must not be before start time"},
      {{{"query", "up"}, {"start", "1"}, {"end", "2"}},
       "invalid parameter \"step\": cannot parse \"\" to a valid duration"},
      {{{"query", "up"}, {"start", "1"}, {"end", "2"}, {"step", "0"}},
       "invalid parameter \"step\": zero or negative query resolution step widths are not "
       "accepted. Try a positive integer"},
      {{{"query", "up"}, {"start", "0"}, {"end", "100000"}, {"step", "1"}},
       "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
       "resolution (?step=XX)"},
  };
  for (const auto& [params, want] : range_cases) {
    absl::StatusOr<std::string> r = api_.QueryRange(params);
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_EQ(Error(r), want);
  }
}

TEST_F(PrometheusApiTest, SeriesNeedsSelectorsAndHonoursTheRange) {
  EXPECT_EQ(Error(api_.Series({})), "no match[] parameter provided");
  EXPECT_EQ(Error(api_.Series({{"match[]", "sum(up)"}})),
            "invalid parameter \"match[]\": 1:4: parse error: unexpected \"(\"");
  EXPECT_EQ(Error(api_.Series({{"match[]", "up[5m]"}})),
            "invalid parameter \"match[]\": 1:3: parse error: unexpected \"[\"");
  EXPECT_EQ(Error(api_.Series({{"match[]", "up offset 5m"}})),
            "invalid parameter \"match[]\": 1:4: parse error: unexpected <offset>");
  EXPECT_EQ(Error(api_.Series({{"match[]", "{a=~\".*\"}"}})),
            "invalid parameter \"match[]\": match[] must contain at least one non-empty matcher");
  auto r = api_.Series({{"match[]", "up{job=\"a\"}"}, {"match[]", "old"}});
  ASSERT_OK(r);
  EXPECT_EQ(*r, R"([{"__name__":"old","zone":"z"},{"__name__":"up","job":"a"}])");
  r = api_.Series({{"match[]", "up{job=\"a\"}"}, {"match[]", "old"}, {"start", "1600000000"}});
  ASSERT_OK(r);
  EXPECT_EQ(*r, R"([{"__name__":"up","job":"a"}])");
}

TEST_F(PrometheusApiTest, LabelNamesAndValues) {
  auto names = api_.LabelNames({});
  ASSERT_OK(names);
  EXPECT_EQ(*names, R"(["__name__","code","job","zone"])");
  names = api_.LabelNames({{"match[]", "reqs_total"}});
  ASSERT_OK(names);
  EXPECT_EQ(*names, R"(["__name__","code","job"])");
  auto values = api_.LabelValues("job", {});
  ASSERT_OK(values);
  EXPECT_EQ(*values, R"(["a","b\u003c\u0026\u003e"])");
  values = api_.LabelValues("__name__", {{"start", "1600000000"}});
  ASSERT_OK(values);
  EXPECT_EQ(*values, R"(["reqs_total","up"])");
  values = api_.LabelValues("nothing", {});
  ASSERT_OK(values);
  EXPECT_EQ(*values, "[]");
  EXPECT_EQ(Error(api_.LabelValues("1a", {})), "invalid label name: \"1a\"");
  EXPECT_EQ(Error(api_.LabelNames({{"start", "x"}})),
            "invalid parameter \"start\": Invalid time value for 'start': cannot parse \"x\" to "
            "a valid timestamp");
}

TEST(GoJsonEscapes, EscapesWhatGoEscapes) {
  EXPECT_EQ(GoJsonEscapes("\"<a&b>\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xa7\""),
            "\"\\u003ca\\u0026b\\u003e\\u2028\\u2029\xe2\x80\xa7\"");
}

}  // namespace
}  // namespace datamesh::monitoring
