#include "services/monitoring/promql/api_json.h"

#include <gtest/gtest.h>

#include <cmath>

namespace datamesh::monitoring::promql {
namespace {

TEST(PromqlApiJson, FormatsValuesAsGoDoes) {
  EXPECT_EQ(FormatSampleValue(0.1), "0.1");
  EXPECT_EQ(FormatSampleValue(100), "100");
  EXPECT_EQ(FormatSampleValue(1e21), "1000000000000000000000");
  EXPECT_EQ(FormatSampleValue(1e-7), "0.0000001");
  EXPECT_EQ(FormatSampleValue(-0.0), "-0");
  EXPECT_EQ(FormatSampleValue(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(FormatSampleValue(NAN), "NaN");
  EXPECT_EQ(FormatSampleValue(INFINITY), "+Inf");
  EXPECT_EQ(FormatSampleValue(-INFINITY), "-Inf");
}

TEST(PromqlApiJson, FormatsTimestampsAsSeconds) {
  EXPECT_EQ(FormatTimestamp(1'700'000'000'000), "1700000000");
  EXPECT_EQ(FormatTimestamp(1'700'000'000'123), "1700000000.123");
  EXPECT_EQ(FormatTimestamp(1'700'000'000'050), "1700000000.05");
  EXPECT_EQ(FormatTimestamp(-1'500), "-1.5");
}

TEST(PromqlApiJson, RendersEveryResultType) {
  QueryResult vector{.type = ValueType::kVector, .time_ms = 1'000'500};
  vector.vector = {{{{"__name__", "up"}, {"job", "a\"b"}}, 1}};
  EXPECT_EQ(RenderQueryData(vector),
            R"({"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a\"b"},)"
            R"("value":[1000.5,"1"]}]})");
  QueryResult matrix{.type = ValueType::kMatrix};
  matrix.matrix = {{{}, {{1000, 0.5}, {2000, NAN}}}};
  EXPECT_EQ(RenderQueryData(matrix),
            R"({"resultType":"matrix","result":[{"metric":{},"values":[[1,"0.5"],[2,"NaN"]]}]})");
  QueryResult scalar{.type = ValueType::kScalar, .time_ms = 3000, .scalar = 2.5};
  EXPECT_EQ(RenderQueryData(scalar), R"({"resultType":"scalar","result":[3,"2.5"]})");
  QueryResult string{.type = ValueType::kString, .time_ms = 3000, .string = "hi"};
  EXPECT_EQ(RenderSuccessBody(string),
            R"({"status":"success","data":{"resultType":"string","result":[3,"hi"]}})");
  EXPECT_EQ(RenderQueryData(QueryResult{.type = ValueType::kVector}),
            R"({"resultType":"vector","result":[]})");
}

}  // namespace
}  // namespace datamesh::monitoring::promql
