#include "services/monitoring/promql/parser.h"

#include <gtest/gtest.h>

#include "services/monitoring/promql/engine.h"
#include "services/monitoring/promql/lexer.h"
#include "services/monitoring/promql/memory_series_source.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::promql {
namespace {

using ::datamesh::testing::StatusIs;
using ::testing::HasSubstr;

double Scalar(std::string_view query) {
  MemorySeriesSource empty;
  absl::StatusOr<QueryResult> r = Engine(empty).InstantQuery(query, 1000);
  EXPECT_OK(r) << query;
  EXPECT_EQ(r->type, ValueType::kScalar) << query;
  return r.ok() ? r->scalar : -1;
}

std::string ErrorOf(std::string_view query) {
  absl::StatusOr<ExprPtr> e = ParseQuery(query);
  EXPECT_THAT(e, StatusIs(absl::StatusCode::kInvalidArgument)) << query;
  return e.ok() ? "" : std::string(e.status().message());
}

TEST(PromqlParser, BindsOperatorsAsPrometheusDoes) {
  EXPECT_EQ(Scalar("1 + 2 * 3"), 7);
  EXPECT_EQ(Scalar("(1 + 2) * 3"), 9);
  EXPECT_EQ(Scalar("2 ^ 3 ^ 2"), 512);  // right-associative
  EXPECT_EQ(Scalar("-2 ^ 2"), -4);      // unary minus binds looser than ^
  EXPECT_EQ(Scalar("-2 * 3"), -6);
  EXPECT_EQ(Scalar("10 - 4 - 3"), 3);  // left-associative
  EXPECT_EQ(Scalar("7 % 4"), 3);
  EXPECT_EQ(Scalar("1 < bool 2 + 1"), 1);  // + binds tighter than <
  EXPECT_EQ(Scalar("0x1F + 1e1 + .5"), 41.5);
  EXPECT_TRUE(std::isnan(Scalar("NaN")));
  EXPECT_EQ(Scalar("-Inf"), -INFINITY);
  EXPECT_EQ(Scalar("time()"), 1);
}

TEST(PromqlParser, ReadsSelectorsDurationsAndStrings) {
  absl::StatusOr<ExprPtr> e = ParseQuery(
      "rate(http_requests_total{path=\"\\\"q\\\" \\\\ \\x41\", code=~`5..`,}[1h30m] "
      "offset 5m)");
  ASSERT_OK(e);
  const Call& call = std::get<Call>((*e)->node);
  const MatrixSelector& m = std::get<MatrixSelector>(call.args[0]->node);
  EXPECT_EQ(m.range_ms, 5'400'000);
  EXPECT_EQ(m.selector.offset_ms, 300'000);
  EXPECT_EQ(m.selector.name, "http_requests_total");
  ASSERT_EQ(m.selector.matchers.size(), 3u);
  EXPECT_EQ(m.selector.matchers[1].value(), "\"q\" \\ A");
  EXPECT_EQ(m.selector.matchers[2].type(), MatchType::kRegexMatch);
  EXPECT_TRUE(m.selector.matchers[2].Matches("503"));
  EXPECT_FALSE(m.selector.matchers[2].Matches("5030"));  // anchored
}

TEST(PromqlParser, KeywordsIgnoreCaseAndGroupingMayFollow) {
  ASSERT_OK(ParseQuery("SUM BY (job) (x)"));
  ASSERT_OK(ParseQuery("sum by (nan, on) (x{inf=\"1\"})"));
  absl::StatusOr<ExprPtr> e = ParseQuery("sum(x) without (a, b,)");
  ASSERT_OK(e);
  const Aggregation& a = std::get<Aggregation>((*e)->node);
  EXPECT_TRUE(a.without);
  EXPECT_EQ(a.grouping, (std::vector<std::string>{"a", "b"}));
  absl::StatusOr<ExprPtr> b = ParseQuery("a / on(x) group_left(y) b");
  ASSERT_OK(b);
  const Binary& bin = std::get<Binary>((*b)->node);
  EXPECT_EQ(bin.matching.card, Cardinality::kManyToOne);
  EXPECT_EQ(bin.matching.include, (std::vector<std::string>{"y"}));
}

TEST(PromqlParser, ErrorsNameLineColumnAndCause) {
  EXPECT_EQ(ErrorOf("rate(x)"),
            "1:6: parse error: expected type range vector in call to "
            "function \"rate\", got instant vector");
  EXPECT_THAT(ErrorOf("sum(\n  rate(x[5m]) +)"), HasSubstr("2:16: parse error: unexpected \")\""));
  EXPECT_THAT(ErrorOf("sum("), HasSubstr("unexpected end of input"));
  EXPECT_THAT(ErrorOf("x{a=\"b\""), HasSubstr("expected \",\" or \"}\""));
  EXPECT_THAT(ErrorOf("1 > 2"), HasSubstr("comparisons between scalars must use BOOL modifier"));
  EXPECT_THAT(ErrorOf("x and 1"), HasSubstr("set operator \"and\" not allowed"));
  EXPECT_THAT(ErrorOf("x + bool y"), HasSubstr("bool modifier can only be used on comparison"));
  EXPECT_THAT(ErrorOf("1 + on(a) x"), HasSubstr("vector matching only allowed between instant"));
  EXPECT_THAT(ErrorOf("x and on(a) group_left y"), HasSubstr("no grouping allowed for \"and\""));
  EXPECT_THAT(ErrorOf("x + on(a) group_left(a) y"), HasSubstr("must not occur in ON and GROUP"));
  EXPECT_THAT(ErrorOf("{}"), HasSubstr("at least one non-empty matcher"));
  EXPECT_THAT(ErrorOf("{a=~\".*\"}"), HasSubstr("at least one non-empty matcher"));
  EXPECT_THAT(ErrorOf("x{__name__=\"y\"}"), HasSubstr("metric name must not be set twice"));
  EXPECT_THAT(ErrorOf("nosuch(x)"), HasSubstr("unknown or unsupported function \"nosuch\""));
  EXPECT_THAT(ErrorOf("quantile(0.5, x)"), HasSubstr("aggregation \"quantile\" is not supported"));
  EXPECT_THAT(ErrorOf("topk(x, y)"), HasSubstr("expected type scalar in aggregation parameter"));
  EXPECT_THAT(ErrorOf("sum(x[5m])"), HasSubstr("expected type instant vector in aggregation"));
  EXPECT_THAT(ErrorOf("x offset -5m"), HasSubstr("negative offsets are not supported"));
  EXPECT_THAT(ErrorOf("(x)[5m]"), HasSubstr("ranges only allowed for vector selectors"));
  EXPECT_THAT(ErrorOf("x[5m:1m]"), HasSubstr("subqueries are not supported"));
  EXPECT_THAT(ErrorOf("x{a=~\"(\"}"), HasSubstr("invalid regular expression"));
  EXPECT_THAT(ErrorOf("x @ 100"), HasSubstr("unexpected character '@'"));
  EXPECT_THAT(ErrorOf("x[5min]"), HasSubstr("bad number or duration"));
  EXPECT_THAT(ErrorOf("\"open"), HasSubstr("unterminated quoted string"));
  EXPECT_THAT(ErrorOf("abs(x, y)"), HasSubstr("expected 1 argument(s) in call to \"abs\", got 2"));
  EXPECT_THAT(ErrorOf("-x[5m]"), HasSubstr("unary expression only allowed"));
}

TEST(PromqlLexer, SkipsCommentsAndKeepsPositions) {
  absl::StatusOr<std::vector<Token>> tokens = Lex("x # a comment\n  + 1");
  ASSERT_OK(tokens);
  ASSERT_EQ(tokens->size(), 4u);
  EXPECT_EQ((*tokens)[1].kind, TokenKind::kAdd);
  EXPECT_EQ((*tokens)[1].position, 16u);
  EXPECT_EQ((*tokens)[2].number, 1);
}

}  // namespace
}  // namespace datamesh::monitoring::promql
