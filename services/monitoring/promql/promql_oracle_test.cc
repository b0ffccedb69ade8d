// The Prometheus oracle: the same samples in Debian's Prometheus 2.42 (through promtool's
// OpenMetrics import) and in our engine (through our OpenMetrics parser); every query, instant
// and range, must give the same series with values equal within a relative 1e-9 (NaN = NaN).
//
// Deliberate differences are listed in services/monitoring/README.md; no query here hits them.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "services/monitoring/exposition/exposition_parser.h"
#include "services/monitoring/exposition/text_util.h"
#include "services/monitoring/promql/api_json.h"
#include "services/monitoring/promql/engine.h"
#include "services/monitoring/promql/memory_series_source.h"
#include "services/monitoring/promql/oracle_data.h"
#include "services/monitoring/promql/oracle_prometheus.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::promql::oracle {
namespace {

using nlohmann::json;

// Every function and operator of the subset, over every kind of series in the data set.
const char* const kQueries[] = {
    // selectors and matchers
    "http_requests_total",
    "http_requests_total{method=\"GET\"}",
    "http_requests_total{code!=\"200\",instance=~\"i[12]\"}",
    "http_requests_total{instance!~\"i1|i2\"}",
    "{__name__=~\"temp.*\"}",
    "http_requests_total offset 5m",
    "up",
    "queue_depth",
    "labeled_events_total{path=\"/a \\\"quoted\\\" path\"}",
    "labeled_events_total{path=~\"C:.*\"}",
    // rates
    "rate(http_requests_total[5m])",
    "irate(http_requests_total[1m])",
    "increase(http_requests_total[10m])",
    "rate(http_requests_total[2m] offset 10m)",
    "rate(labeled_events_total[3m])",
    "increase(queue_depth[5m])",
    // *_over_time, deriv, predict_linear
    "avg_over_time(temperature_celsius[10m])",
    "min_over_time(temperature_celsius[7m])",
    "max_over_time(node_memory_bytes[7m])",
    "sum_over_time(queue_depth[10m])",
    "count_over_time(up[10m])",
    "stddev_over_time(node_memory_bytes[15m])",
    "deriv(node_memory_bytes[10m])",
    "predict_linear(node_memory_bytes[30m], 3600)",
    "predict_linear(temperature_celsius[10m], 600)",
    "predict_linear(node_memory_bytes[10m] offset 5m, 60)",
    "deriv(queue_depth[1m])",
    // histograms
    "histogram_quantile(0.9, rate(request_duration_seconds_bucket[5m]))",
    "histogram_quantile(0.5, sum by (le) (rate(request_duration_seconds_bucket[5m])))",
    "histogram_quantile(0.99, request_duration_seconds_bucket)",
    "histogram_quantile(-0.5, request_duration_seconds_bucket)",
    "histogram_quantile(scalar(up), request_duration_seconds_bucket)",
    // other functions
    "abs(temperature_celsius)",
    "clamp_min(temperature_celsius, 0)",
    "clamp_max(temperature_celsius, 10)",
    "clamp_min(temperature_celsius, NaN)",
    "time()",
    "vector(1)",
    "vector(time())",
    "scalar(sum(up))",
    "scalar(up)",
    // aggregations
    "sum(rate(http_requests_total[5m]))",
    "sum by (instance) (rate(http_requests_total[5m]))",
    "sum without (method, code) (rate(http_requests_total[5m]))",
    "avg by (method) (http_requests_total)",
    "min(node_memory_bytes)",
    "max by (instance) (node_memory_bytes)",
    "count(up)",
    "count by (job) (up)",
    "sum without () (up)",
    "avg(temperature_celsius) by (room)",
    "stddev(temperature_celsius)",
    "stddev by (job) (rate(http_requests_total[5m]))",
    "topk(2, node_memory_bytes)",
    "bottomk(1, temperature_celsius)",
    "topk by (instance) (1, http_requests_total)",
    // arithmetic, comparisons, precedence
    "node_memory_bytes / 1024 / 1024",
    "2 * temperature_celsius + 1",
    "temperature_celsius ^ 2",
    "node_memory_bytes % 1000",
    "-temperature_celsius",
    "1 - 2 * 3 ^ 2 ^ 0.5",
    "-2 ^ 2",
    "-1 / 0 + temperature_celsius",
    "0 / 0",
    "temperature_celsius % -3",
    "temperature_celsius > 5",
    "temperature_celsius > bool 5",
    "5 < temperature_celsius",
    "1 < bool 2",
    "up == 1",
    "up != bool 1",
    // vector matching
    "rate(http_requests_total{code=\"500\"}[5m]) / ignoring(code) "
    "rate(http_requests_total{code=\"200\"}[5m])",
    "rate(http_requests_total[5m]) / on(instance, method) group_left sum by (instance, method) "
    "(rate(http_requests_total[5m]))",
    "sum by (instance) (rate(http_requests_total[5m])) / on(instance) group_right "
    "rate(http_requests_total[5m])",
    "node_memory_bytes * on(instance) group_left(room) machine_info",
    "temperature_celsius > on(room) group_left sum by (room) (machine_info)",
    "up + on(instance) node_memory_bytes",
    "up > bool ignoring(job) machine_info",
    "machine_info + on() group_left vector(1)",
    // set operators
    "node_memory_bytes and on(instance) up",
    "temperature_celsius or node_memory_bytes",
    "http_requests_total unless http_requests_total{method=\"POST\"}",
    "up unless on(instance) queue_depth",
    "machine_info and ignoring(room) (up == 1)",
};

// Queries whose answer is a range vector: instant queries only.
const char* const kRangeVectorQueries[] = {
    "http_requests_total{instance=\"i1\",method=\"GET\",code=\"200\"}[1m]",
    "queue_depth[2m] offset 1m",
};

// Both must refuse these (on the data, not the syntax).
const char* const kFailingQueries[] = {
    "http_requests_total + on(instance) http_requests_total",
    "node_memory_bytes * on() group_left machine_info",
    "abs({__name__=~\"node_memory_bytes|node_swap_bytes\", instance=\"i1\"})",
    "rate({__name__=~\"node_memory_bytes|node_swap_bytes\"}[5m])",
};

std::string Escape(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string out(e);
  curl_free(e);
  return out;
}

bool Close(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

double ValueOf(const json& v) {
  const std::optional<double> d = ParseFloatText(v.get<std::string>());
  return d ? *d : -12345.678;
}

int64_t MsOf(const json& t) { return std::llround(t.get<double>() * 1000); }

// "" when the two "data" objects agree; else what differs.
std::string Diff(const json& theirs, const json& ours) {
  if (theirs["resultType"] != ours["resultType"]) {
    return Cat("resultType ", theirs["resultType"].dump(), " vs ", ours["resultType"].dump());
  }
  const std::string type = theirs["resultType"];
  if (type == "scalar" || type == "string") {
    const json &a = theirs["result"], &b = ours["result"];
    if (MsOf(a[0]) != MsOf(b[0])) return "scalar time differs";
    const bool same = type == "string" ? a[1] == b[1] : Close(ValueOf(a[1]), ValueOf(b[1]));
    return same ? "" : Cat("scalar ", a.dump(), " vs ", b.dump());
  }
  auto by_metric = [](const json& result) {
    std::map<std::string, json> m;
    for (const json& s : result)
      m[s["metric"].dump()] = s.contains("value") ? json::array({s["value"]}) : s["values"];
    return m;
  };
  const auto a = by_metric(theirs["result"]), b = by_metric(ours["result"]);
  for (const auto& [metric, points] : a) {
    if (!b.count(metric)) return Cat("we lack series ", metric);
  }
  for (const auto& [metric, points] : b) {
    if (!a.count(metric)) return Cat("we have extra series ", metric);
    const json& theirs_points = a.at(metric);
    if (theirs_points.size() != points.size()) {
      return Cat(metric, ": ", theirs_points.size(), " points vs our ", points.size());
    }
    for (size_t i = 0; i < points.size(); ++i) {
      if (MsOf(theirs_points[i][0]) != MsOf(points[i][0]) ||
          !Close(ValueOf(theirs_points[i][1]), ValueOf(points[i][1]))) {
        return Cat(metric, " point ", i, ": ", theirs_points[i].dump(), " vs ", points[i].dump());
      }
    }
  }
  return "";
}

class PromqlOracle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* build = std::getenv("DM_BINARY_DIR");
    const std::string dir = std::string(build ? build : "/tmp") + "/monitoring-promql-oracle";
    std::filesystem::create_directories(dir);
    const std::string body = GenerateOpenMetrics();
    const std::string file = dir + "-data.om.txt";
    std::ofstream(file) << body;

    absl::StatusOr<exposition::Exposition> parsed =
        exposition::ParseExposition(body, exposition::Format::kOpenMetrics);
    ASSERT_OK(parsed);
    source_ = new MemorySeriesSource();
    for (const exposition::Sample& s : parsed->samples) {
      std::vector<Label> labels = {{std::string(kMetricNameLabel), s.name}};
      for (const exposition::Label& l : s.labels) labels.push_back({l.name, l.value});
      ASSERT_OK(source_->Add(MakeLabels(std::move(labels)), *s.timestamp_ms, s.value));
    }
    samples_ = parsed->samples.size();

    absl::StatusOr<std::unique_ptr<PrometheusServer>> server = PrometheusServer::Start(dir, file);
    ASSERT_OK(server);
    server_ = server->release();
  }

  static void TearDownTestSuite() {
    delete server_;  // stops Prometheus
    server_ = nullptr;
    delete source_;
    source_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(server_, nullptr) << "Prometheus did not start"; }

  static json Prometheus(const std::string& path_and_query) {
    absl::StatusOr<std::string> body = server_->Get(path_and_query);
    EXPECT_OK(body);
    return body.ok() ? json::parse(*body) : json();
  }

  // Compares one instant query; counts the series compared.
  void ExpectInstantAgrees(const std::string& query, int64_t t) {
    const json theirs =
        Prometheus(Cat("/api/v1/query?query=", Escape(query), "&time=", FormatTimestamp(t)));
    ASSERT_EQ(theirs["status"], "success") << query << ": " << theirs.dump();
    absl::StatusOr<QueryResult> ours = Engine(*source_).InstantQuery(query, t);
    ASSERT_OK(ours) << query;
    const std::string diff = Diff(theirs["data"], json::parse(RenderQueryData(*ours)));
    EXPECT_EQ(diff, "") << "instant " << query << " at " << FormatTimestamp(t);
    compared_ += theirs["data"]["result"].size();
  }

  void ExpectRangeAgrees(const std::string& query, int64_t start, int64_t end, int64_t step) {
    const json theirs = Prometheus(
        Cat("/api/v1/query_range?query=", Escape(query), "&start=", FormatTimestamp(start),
            "&end=", FormatTimestamp(end), "&step=", FormatTimestamp(step)));
    ASSERT_EQ(theirs["status"], "success") << query << ": " << theirs.dump();
    absl::StatusOr<QueryResult> ours = Engine(*source_).RangeQuery(query, start, end, step);
    ASSERT_OK(ours) << query;
    const std::string diff = Diff(theirs["data"], json::parse(RenderQueryData(*ours)));
    EXPECT_EQ(diff, "") << "range " << query;
    compared_ += theirs["data"]["result"].size();
  }

  static MemorySeriesSource* source_;
  static PrometheusServer* server_;
  static size_t samples_;
  static size_t compared_;
};

MemorySeriesSource* PromqlOracle::source_ = nullptr;
PrometheusServer* PromqlOracle::server_ = nullptr;
size_t PromqlOracle::samples_ = 0;
size_t PromqlOracle::compared_ = 0;

// Inside the data, at its edges, in the 10-minute gap (just inside the 5-minute lookback, then
// past it) and right after.
const int64_t kInstantTimes[] = {kStartMs + 90'000,     kStartMs + 1'234'567, kGapStartMs + 280'000,
                                 kGapStartMs + 360'500, kGapEndMs + 20'003,   kEndMs - 1};

TEST_F(PromqlOracle, InstantQueriesAgree) {
  const size_t before = compared_;
  for (const char* q : kQueries) {
    for (int64_t t : kInstantTimes) ExpectInstantAgrees(q, t);
  }
  for (const char* q : kRangeVectorQueries) {
    for (int64_t t : kInstantTimes) ExpectInstantAgrees(q, t);
  }
  std::printf("instant: %zu queries x %zu times, %zu series compared over %zu samples\n",
              std::size(kQueries) + std::size(kRangeVectorQueries), std::size(kInstantTimes),
              compared_ - before, samples_);
  EXPECT_GT(compared_ - before, 1000u);
}

TEST_F(PromqlOracle, RangeQueriesAgree) {
  const size_t before = compared_;
  for (const char* q : kQueries) {
    // From before the first sample to past the last, on and off the scrape grid.
    ExpectRangeAgrees(q, kStartMs - 60'000, kEndMs + 60'000, 60'000);
    ExpectRangeAgrees(q, kStartMs + 1'111, kStartMs + 2'400'000, 37'000);
  }
  std::printf("range: %zu queries x 2 ranges, %zu series compared\n", std::size(kQueries),
              compared_ - before);
  EXPECT_GT(compared_ - before, 200u);
}

// Breadth: every range function over every kind of series and several windows, every
// aggregation with every kind of grouping, every operator with scalars on either side.
std::vector<std::string> GeneratedQueries() {
  std::vector<std::string> out;
  const char* metrics[] = {"http_requests_total",
                           "node_memory_bytes",
                           "temperature_celsius",
                           "queue_depth",
                           "up",
                           "request_duration_seconds_count"};
  for (const char* f : {"rate", "irate", "increase", "deriv", "avg_over_time", "min_over_time",
                        "max_over_time", "sum_over_time", "count_over_time", "stddev_over_time"}) {
    for (const char* m : metrics) {
      for (const char* range : {"45s", "5m", "17m"})
        out.push_back(Cat(f, "(", m, "[", range, "])"));
    }
  }
  for (const char* agg : {"sum", "avg", "min", "max", "count", "stddev"}) {
    for (const char* grouping : {"", " by (instance)", " without (instance)", " by (job, code)"}) {
      out.push_back(Cat(agg, grouping, " (http_requests_total)"));
      out.push_back(Cat(agg, grouping, " (rate(http_requests_total[5m]))"));
    }
  }
  for (const char* op : {"+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<="}) {
    const bool comparison = std::string(op).find_first_of("=<>") != std::string::npos;
    out.push_back(Cat("temperature_celsius ", op, " 3"));
    out.push_back(Cat("3 ", op, " temperature_celsius"));
    out.push_back(Cat("temperature_celsius ", op, comparison ? " bool " : " ",
                      "on(room) group_left avg by (room) (temperature_celsius)"));
    if (comparison) out.push_back(Cat("temperature_celsius ", op, " bool 3"));
  }
  return out;
}

TEST_F(PromqlOracle, GeneratedQueriesAgree) {
  const size_t before = compared_;
  const std::vector<std::string> queries = GeneratedQueries();
  for (const std::string& q : queries) {
    for (int64_t t : {kStartMs + 1'234'567, kGapStartMs + 280'000, kEndMs - 1}) {
      ExpectInstantAgrees(q, t);
    }
    ExpectRangeAgrees(q, kStartMs - 30'000, kEndMs + 30'000, 90'000);
  }
  std::printf("generated: %zu queries, %zu series compared\n", queries.size(), compared_ - before);
  EXPECT_GT(compared_ - before, 2000u);
}

// The comparison itself must see a difference: Prometheus' vector(1) is not our vector(2).
TEST_F(PromqlOracle, TheComparisonNoticesADifferentValue) {
  const int64_t t = kStartMs + 600'000;
  const json theirs =
      Prometheus(Cat("/api/v1/query?query=", Escape("vector(1)"), "&time=", FormatTimestamp(t)));
  absl::StatusOr<QueryResult> ours = Engine(*source_).InstantQuery("vector(2)", t);
  ASSERT_OK(ours);
  EXPECT_NE(Diff(theirs["data"], json::parse(RenderQueryData(*ours))), "");
}

TEST_F(PromqlOracle, BothRefuseTheSameQueries) {
  for (const char* q : kFailingQueries) {
    const int64_t t = kStartMs + 600'000;
    const json theirs =
        Prometheus(Cat("/api/v1/query?query=", Escape(q), "&time=", FormatTimestamp(t)));
    EXPECT_EQ(theirs["status"], "error") << q;
    EXPECT_FALSE(Engine(*source_).InstantQuery(q, t).ok()) << q;
  }
}

}  // namespace
}  // namespace datamesh::monitoring::promql::oracle
