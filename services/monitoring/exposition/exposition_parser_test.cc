#include "services/monitoring/exposition/exposition_parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::exposition {
namespace {

using ::datamesh::testing::StatusIs;
using ::testing::HasSubstr;

Exposition ParseOk(std::string_view body, Format format = Format::kPrometheusText) {
  absl::StatusOr<Exposition> parsed = ParseExposition(body, format);
  EXPECT_OK(parsed) << body;
  return parsed.ok() ? *parsed : Exposition{};
}

std::string ErrorOf(std::string_view body, Format format = Format::kPrometheusText) {
  absl::StatusOr<Exposition> parsed = ParseExposition(body, format);
  EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument)) << body;
  return std::string(parsed.status().message());
}

TEST(ExpositionParser, ReadsCountersGaugesAndMetadata) {
  const Exposition e = ParseOk(
      "# HELP http_requests_total Requests served, \\\\ and \\n escaped.\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
      "http_requests_total{code=\"400\",method=\"post\",} 3\n"
      "\n"
      "# a plain comment\n"
      "temperature -3.5e2\n"
      "# HELP temperature   Leading blanks are not part of it.\n");
  ASSERT_EQ(e.samples.size(), 3u);
  EXPECT_EQ(e.samples[0].name, "http_requests_total");
  EXPECT_EQ(e.samples[0].labels, (Labels{{"code", "200"}, {"method", "post"}}));
  EXPECT_EQ(e.samples[0].value, 1027);
  EXPECT_EQ(e.samples[0].timestamp_ms, 1395066363000);
  EXPECT_EQ(e.samples[1].labels, (Labels{{"code", "400"}, {"method", "post"}}));
  EXPECT_FALSE(e.samples[1].timestamp_ms.has_value());
  EXPECT_EQ(e.samples[2].value, -350);
  EXPECT_TRUE(e.samples[2].labels.empty());
  ASSERT_EQ(e.metadata.size(), 2u);
  EXPECT_EQ(e.metadata[1].help, "Leading blanks are not part of it.");
  EXPECT_EQ(e.metadata[0].family, "http_requests_total");
  EXPECT_EQ(e.metadata[0].type, MetricType::kCounter);
  EXPECT_EQ(e.metadata[0].help, "Requests served, \\ and \n escaped.");
}

TEST(ExpositionParser, UnescapesLabelValues) {
  const Exposition e =
      ParseOk("m{path=\"C:\\\\dir\\\\file\",quote=\"say \\\"hi\\\"\",nl=\"a\\nb\"} 1\n");
  ASSERT_EQ(e.samples.size(), 1u);
  EXPECT_EQ(e.samples[0].labels,
            (Labels{{"nl", "a\nb"}, {"path", "C:\\dir\\file"}, {"quote", "say \"hi\""}}));
}

TEST(ExpositionParser, ReadsSpecialValuesInAnyCase) {
  const Exposition e = ParseOk("a NaN\nb +Inf\nc -Inf\nd Nan\ne inf\nf +1.5\ng .5e1\n");
  ASSERT_EQ(e.samples.size(), 7u);
  EXPECT_TRUE(std::isnan(e.samples[0].value));
  EXPECT_EQ(e.samples[1].value, INFINITY);
  EXPECT_EQ(e.samples[2].value, -INFINITY);
  EXPECT_TRUE(std::isnan(e.samples[3].value));
  EXPECT_EQ(e.samples[4].value, INFINITY);
  EXPECT_EQ(e.samples[5].value, 1.5);
  EXPECT_EQ(e.samples[6].value, 5);
}

TEST(ExpositionParser, ReadsHistogramsAndSummaries) {
  const Exposition e = ParseOk(
      "# TYPE rpc_seconds histogram\n"
      "rpc_seconds_bucket{le=\"0.1\"} 2\n"
      "rpc_seconds_bucket{le=\"+Inf\"} 5\n"
      "rpc_seconds_sum 1.25\n"
      "rpc_seconds_count 5\n"
      "# TYPE gc_seconds summary\n"
      "gc_seconds{quantile=\"0.99\"} 0.004\n"
      "gc_seconds_sum 0.5\n"
      "gc_seconds_count 100\n");
  ASSERT_EQ(e.samples.size(), 7u);
  EXPECT_EQ(e.samples[1].labels, (Labels{{"le", "+Inf"}}));
  EXPECT_EQ(e.metadata[0].type, MetricType::kHistogram);
  EXPECT_EQ(e.metadata[1].type, MetricType::kSummary);
  EXPECT_THAT(ErrorOf("# TYPE h histogram\nh_bucket{le=\"x\"} 1\n"),
              HasSubstr("line 2: histogram bucket h_bucket without a numeric le"));
  EXPECT_THAT(ErrorOf("# TYPE s summary\ns 1\n"), HasSubstr("without a numeric quantile"));
}

TEST(ExpositionParser, ReadsOpenMetricsWithSecondsTimestampsUnitsAndExemplars) {
  const Exposition e = ParseOk(
      "# TYPE job_seconds histogram\n"
      "# UNIT job_seconds seconds\n"
      "# HELP job_seconds How long jobs take.\n"
      "job_seconds_bucket{le=\"1.0\"} 3 1700000000.123 # {trace_id=\"abc\"} 0.5 1700000000.1\n"
      "job_seconds_bucket{le=\"+Inf\"} 4 1700000000.123\n"
      "job_seconds_count 4 1700000000\n"
      "job_seconds_sum 2.5\n"
      "# EOF\n",
      Format::kOpenMetrics);
  ASSERT_EQ(e.samples.size(), 4u);
  EXPECT_EQ(e.samples[0].timestamp_ms, 1700000000123);
  EXPECT_EQ(e.samples[2].timestamp_ms, 1700000000000);
  EXPECT_FALSE(e.samples[3].timestamp_ms.has_value());
  ASSERT_EQ(e.metadata.size(), 1u);
  EXPECT_EQ(e.metadata[0].unit, "seconds");
  EXPECT_EQ(e.metadata[0].help, "How long jobs take.");
}

TEST(ExpositionParser, OpenMetricsNeedsEofLastAndNoOtherComments) {
  EXPECT_THAT(ErrorOf("a 1\n", Format::kOpenMetrics), HasSubstr("line 2: missing # EOF"));
  EXPECT_THAT(ErrorOf("a 1\n# EOF\nb 2\n", Format::kOpenMetrics),
              HasSubstr("line 3: content after # EOF"));
  EXPECT_THAT(ErrorOf("# hello\na 1\n# EOF\n", Format::kOpenMetrics),
              HasSubstr("line 1: OpenMetrics allows no comments"));
  EXPECT_THAT(ErrorOf("# TYPE a untyped\n# EOF\n", Format::kOpenMetrics),
              HasSubstr("unknown metric type \"untyped\""));
  EXPECT_THAT(ErrorOf("# TYPE a unknown\n", Format::kPrometheusText),
              HasSubstr("unknown metric type \"unknown\""));
}

TEST(ExpositionParser, NamesTheLineOfEachSyntaxError) {
  EXPECT_THAT(ErrorOf("ok 1\nbad{a=b} 1\n"),
              HasSubstr("line 2: column 7: label value is not quoted"));
  EXPECT_THAT(ErrorOf("m{a=\"1\",a=\"2\"} 1\n"), HasSubstr("line 1: duplicate label a"));
  EXPECT_THAT(ErrorOf("m{a=\"x\\t\"} 1\n"), HasSubstr("invalid escape in label value"));
  EXPECT_THAT(ErrorOf("m{a=\"x} 1\n"), HasSubstr("without its closing quote"));
  EXPECT_THAT(ErrorOf("m 1 2 3\n"), HasSubstr("unexpected text after the sample"));
  EXPECT_THAT(ErrorOf("m one\n"), HasSubstr("invalid value \"one\""));
  EXPECT_THAT(ErrorOf("m 1 1.5\n"), HasSubstr("invalid timestamp \"1.5\""));
  EXPECT_THAT(ErrorOf("m\n"), HasSubstr("expected a blank before the value"));
  EXPECT_THAT(ErrorOf("9m 1\n"), HasSubstr("expected a metric name"));
  EXPECT_THAT(ErrorOf("m 0x10\n"), HasSubstr("invalid value"));
  EXPECT_THAT(ErrorOf("m 1e999\n"), HasSubstr("invalid value"));
  EXPECT_THAT(ErrorOf("# TYPE m gauge\n# TYPE m counter\n"), HasSubstr("line 2: second # TYPE"));
  EXPECT_THAT(ErrorOf("# HELP m a \\q\n"), HasSubstr("invalid escape sequence in # HELP"));
}

TEST(ExpositionParser, EnforcesItsLimits) {
  const ParseLimits limits{.max_line_bytes = 20, .max_labels_per_sample = 2, .max_samples = 2};
  EXPECT_THAT(ParseExposition("a 1\nb 2\nc 3\n", Format::kPrometheusText, limits),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(ParseExposition("m{a=\"1\",b=\"2\",c=\"3\"} 1\n", Format::kPrometheusText,
                              ParseLimits{.max_labels_per_sample = 2}),
              StatusIs(absl::StatusCode::kResourceExhausted));
  absl::StatusOr<Exposition> long_line =
      ParseExposition("a 1\nmetric_with_a_long_name 1\n", Format::kPrometheusText, limits);
  EXPECT_THAT(long_line, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(long_line.status().message(), HasSubstr("line 2: longer than 20 bytes"));
}

TEST(ExpositionParser, FormatComesFromTheContentType) {
  EXPECT_EQ(FormatFromContentType("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            Format::kOpenMetrics);
  EXPECT_EQ(FormatFromContentType("text/plain; version=0.0.4"), Format::kPrometheusText);
  EXPECT_EQ(FormatFromContentType(""), Format::kPrometheusText);
}

// Random corruptions of a valid body must give an answer or an error, never a crash or a read
// outside the input (clean under -fsanitize=address,undefined).
TEST(ExpositionParser, SurvivesRandomCorruption) {
  const std::string valid =
      "# HELP x_seconds Latency.\n# TYPE x_seconds histogram\n"
      "x_seconds_bucket{le=\"0.5\",path=\"/a\\\"b\"} 1 1700000000.5 # {t=\"1\"} 2\n"
      "x_seconds_bucket{le=\"+Inf\",path=\"/a\\\"b\"} 2\nx_seconds_sum 3\n# EOF\n";
  std::mt19937 rng(7);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string body = valid;
    const int edits = 1 + rng() % 4;
    for (int i = 0; i < edits; ++i) {
      const size_t at = rng() % body.size();
      switch (rng() % 3) {
        case 0: body[at] = static_cast<char>(rng() % 128); break;
        case 1: body.erase(at, 1 + rng() % 8); break;
        default: body.insert(at, 1, "{}\"\\#= \n,"[rng() % 9]); break;
      }
      if (body.empty()) body = "#";
    }
    const Format format = round % 2 ? Format::kOpenMetrics : Format::kPrometheusText;
    if (ParseExposition(body, format).ok()) ++accepted;
  }
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, 20000);
}

}  // namespace
}  // namespace datamesh::monitoring::exposition
