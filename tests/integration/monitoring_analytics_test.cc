// The monitoring binary over a real PostgreSQL and NATS, fed by ImportSamples: a report over two
// days of storage samples with a known trend (slopes, days to full inside the interval, the
// recommendation, the CSV, and what it says it cannot compute), and an alert over imported
// samples whose explanation names the series that moved, with their change.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "datamesh/monitoring/v1/monitoring.grpc.pb.h"
#include "shared/testing/service_process.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/wait_for.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::monitoring {
namespace {

using ::datamesh::testing::ServiceProcess;
namespace v1 = monitoring::v1;

constexpr double kGiB = 1 << 30;
constexpr int64_t kStepMs = 240'000;  // the report's step for a 48 h window
constexpr char kRules[] = R"(groups:
  - name: imported
    interval: 1s
    rules:
      - alert: ImportedDiskHigh
        expr: disk_used > 150
        labels:
          severity: warning
        annotations:
          summary: disk_used is high
)";

class MonitoringAnalyticsTest : public testing::WithTestStack {
 protected:
  void SetUp() override {
    WithTestStack::SetUp();
    const std::string rules = absl::StrCat(stack_->dir(), "/analytics-rules-", getpid(), ".yml");
    std::ofstream(rules) << kRules;
    auto process = ServiceProcess::Start(
        *stack_, {.binary = "monitoring",
                  .args = {"--rule-files", rules, "--default-rules=false", "--rule-interval", "1s"},
                  .env = {{"DM_LOG_LEVEL", "warn"}}});
    ASSERT_OK(process);
    monitoring_ = std::move(*process);
    stub_ = v1::MonitoringService::NewStub(
        grpc::CreateChannel(monitoring_->grpc_address(), grpc::InsecureChannelCredentials()));
  }

  // A clean stop gives the evaluator lease up, so the next test's process evaluates at once.
  void TearDown() override {
    if (monitoring_ != nullptr) {
      EXPECT_OK(monitoring_->Stop());
    }
  }

  void Import(const std::string& text) {
    grpc::ClientContext ctx;
    v1::ImportSamplesRequest req;
    req.set_text(text);
    v1::ImportSamplesResponse resp;
    grpc::Status s = stub_->ImportSamples(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(resp.samples_refused(), 0u);
  }

  v1::GetAnalyticsResponse Analytics(const std::string& format) {
    grpc::ClientContext ctx;
    v1::GetAnalyticsRequest req;
    req.mutable_window()->set_seconds(48 * 3600);
    req.set_format(format);
    v1::GetAnalyticsResponse resp;
    grpc::Status s = stub_->GetAnalytics(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  std::unique_ptr<ServiceProcess> monitoring_;
  std::unique_ptr<v1::MonitoringService::Stub> stub_;
};

// Two days of samples every step up to now: zone-a grows 2 GiB a day from 100 GiB of 200, zone-b
// 1 GiB a day from 40 GiB of 50, each with ±0.1 GiB of alternating noise; a request counter at
// 5 per second.
std::string StorageHistory(int64_t now_ms) {
  std::string text;
  const int steps = 48 * 3600 * 1000 / kStepMs;
  for (int k = steps; k >= 0; --k) {
    const int64_t t = now_ms - k * kStepMs;
    const double days = static_cast<double>(steps - k) * kStepMs / 86'400'000;
    const double noise = (k % 2 ? 0.1 : -0.1) * kGiB;
    absl::StrAppend(&text, "datamesh_chunk_store_used_bytes{instance=\"a1\",zone=\"zone-a\"} ",
                    std::llround(100 * kGiB + 2 * kGiB * days + noise), " ", t, "\n");
    absl::StrAppend(&text, "datamesh_chunk_store_capacity_bytes{instance=\"a1\",zone=\"zone-a\"} ",
                    std::llround(200 * kGiB), " ", t, "\n");
    absl::StrAppend(&text, "datamesh_chunk_store_used_bytes{instance=\"b1\",zone=\"zone-b\"} ",
                    std::llround(40 * kGiB + kGiB * days + noise), " ", t, "\n");
    absl::StrAppend(&text, "datamesh_chunk_store_capacity_bytes{instance=\"b1\",zone=\"zone-b\"} ",
                    std::llround(50 * kGiB), " ", t, "\n");
    absl::StrAppend(&text, "datamesh_grpc_server_handled_total{service=\"auth\"} ",
                    5 * (steps - k) * kStepMs / 1000, " ", t, "\n");
  }
  return text;
}

TEST_F(MonitoringAnalyticsTest, ReportsTheImportedTrendForecastAndCsv) {
  const int64_t now_ms = absl::ToUnixSeconds(absl::Now()) * 1000;
  Import(StorageHistory(now_ms));
  const v1::GetAnalyticsResponse r = Analytics("csv");

  ASSERT_GE(r.trends_size(), 1);
  const v1::Trend& storage = r.trends(0);
  EXPECT_EQ(storage.name(), "storage");
  EXPECT_EQ(storage.query(), "sum(datamesh_chunk_store_used_bytes)");
  EXPECT_EQ(storage.metric(), "datamesh_chunk_store_used_bytes");
  EXPECT_LE(storage.slope_low_per_day(), 3 * kGiB);
  EXPECT_GE(storage.slope_high_per_day(), 3 * kGiB);
  EXPECT_NEAR(storage.slope_per_day(), 3 * kGiB, 0.01 * kGiB);
  EXPECT_EQ(storage.direction(), "growing");
  EXPECT_EQ(storage.confidence_level(), 0.95);

  ASSERT_EQ(r.forecasts_size(), 2);
  const v1::Forecast& b = r.forecasts(1);
  EXPECT_EQ(b.zone(), "zone-b");
  EXPECT_EQ(b.status(), "filling");
  EXPECT_EQ(b.capacity(), 50 * kGiB);
  // The true line reaches 50 GiB 8 days after now: inside the reported interval.
  EXPECT_NEAR(b.days_until_full(), 8, 0.2);
  EXPECT_LE(b.days_min(), 8);
  EXPECT_GE(b.days_max(), 8);
  EXPECT_NEAR(b.days_margin(), (b.days_max() - b.days_min()) / 2, 1e-9);
  EXPECT_NEAR(r.forecasts(0).days_until_full(), 48, 1);

  ASSERT_GE(r.recommendations_size(), 1);
  EXPECT_EQ(r.recommendations(0).kind(), "add_nodes");
  EXPECT_EQ(r.recommendations(0).zone(), "zone-b");
  EXPECT_EQ(r.recommendations(0).evidence(0).name(), "days_until_full");

  bool bandwidth_gap = false;
  for (const v1::InsufficientData& g : r.insufficient_data()) {
    if (g.item() != "bandwidth") continue;
    bandwidth_gap = true;
    EXPECT_EQ(g.reason().rfind("not enough data (0 samples", 0), 0u) << g.reason();
  }
  EXPECT_TRUE(bandwidth_gap);

  EXPECT_EQ(r.csv().rfind("section,item,figure,value,unit,query,note\r\n", 0), 0u);
  const std::string row = "\r\nforecasts,zone-b,days_until_full,";
  const size_t at = r.csv().find(row);
  ASSERT_NE(at, std::string::npos) << r.csv();
  EXPECT_NEAR(std::stod(r.csv().substr(at + row.size())), b.days_until_full(), 1e-9);
}

// 25 minutes of minute samples up to now on instance i1: disk_used 100 then 200 for the last 4
// minutes; requests_total at 1 per second then 4; steady at 7.
std::string AlertHistory(int64_t now_ms) {
  std::string text;
  double requests = 0;
  for (int m = 24; m >= 0; --m) {
    const int64_t t = now_ms - m * 60'000;
    const std::string labels = R"({service="imported",instance="i1"})";
    absl::StrAppend(&text, "disk_used", labels, " ", m <= 4 ? 200 : 100, " ", t, "\n");
    absl::StrAppend(&text, "requests_total", labels, " ", requests, " ", t, "\n");
    absl::StrAppend(&text, "steady", labels, " 7 ", t, "\n");
    requests += 60 * (m <= 5 ? 4 : 1);  // the rate up to the next sample
  }
  return text;
}

TEST_F(MonitoringAnalyticsTest, AFiringAlertNamesTheSeriesThatMovedWithIt) {
  Import(AlertHistory(absl::ToUnixSeconds(absl::Now()) * 1000));
  v1::Alert alert;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        grpc::ClientContext ctx;
        v1::ListAlertsRequest req;
        req.set_state("firing");
        v1::ListAlertsResponse resp;
        if (!stub_->ListAlerts(&ctx, req, &resp).ok() || resp.alerts().empty()) return false;
        alert = resp.alerts(0);
        return true;
      },
      absl::Seconds(30), absl::Milliseconds(200)))
      << monitoring_->ReadLog();
  EXPECT_EQ(alert.rule(), "ImportedDiskHigh");
  // The other tests' imported series share the store: a third entry may be one of them, moved
  // a little; the two that moved most are these.
  ASSERT_GE(alert.explanation_size(), 2) << alert.DebugString();
  for (const v1::SeriesChange& c : alert.explanation()) EXPECT_NE(c.metric(), "steady");
  // requests_total's rate went from 1 to 4 per second: 300 %, 60 times the 5 % floor.
  const v1::SeriesChange& first = alert.explanation(0);
  EXPECT_EQ(first.metric(), "requests_total");
  EXPECT_EQ(first.labels().at("instance"), "i1");
  EXPECT_TRUE(first.rate());
  EXPECT_NEAR(first.baseline_mean(), 1, 1e-9);
  EXPECT_NEAR(first.window_mean(), 4, 1e-9);
  EXPECT_NEAR(first.change_percent(), 300, 1e-6);
  EXPECT_NEAR(first.score(), 60, 1e-6);
  // disk_used doubled: 100 %, 20 times the floor. `steady` did not move: never listed.
  const v1::SeriesChange& second = alert.explanation(1);
  EXPECT_EQ(second.metric(), "disk_used");
  EXPECT_NEAR(second.baseline_mean(), 100, 1e-9);
  EXPECT_NEAR(second.window_mean(), 200, 1e-9);
  EXPECT_NEAR(second.change_percent(), 100, 1e-9);
  EXPECT_FALSE(second.rate());
}

// docs/PERFORMANCE.md's figure: a 7-day report over 100 chunk-store series (a sample every 5
// minutes, 2,016 each) in 10 zones, read back from PostgreSQL. The time is printed, not asserted.
TEST_F(MonitoringAnalyticsTest, ASevenDayReportOverAHundredSeries) {
  const int64_t now_ms = absl::ToUnixSeconds(absl::Now()) * 1000;
  const int samples = 7 * 24 * 12;
  for (int batch = 0; batch < 5; ++batch) {
    std::string text;
    for (int node = batch * 10; node < batch * 10 + 10; ++node) {
      const std::string labels =
          absl::StrCat("{instance=\"n", node, "\",zone=\"z", node % 10, "\"}");
      for (int k = samples - 1; k >= 0; --k) {
        const int64_t t = now_ms - int64_t{k} * 300'000;
        absl::StrAppend(&text, "datamesh_chunk_store_used_bytes", labels, " ",
                        int64_t{1'000'000} * (samples - k) + node, " ", t, "\n");
        absl::StrAppend(&text, "datamesh_chunk_store_capacity_bytes", labels, " ", int64_t{1} << 40,
                        " ", t, "\n");
      }
    }
    Import(text);
  }
  // The first call after the import: nothing of the report is cached anywhere.
  const absl::Time start = absl::Now();
  grpc::ClientContext ctx;
  v1::GetAnalyticsRequest req;
  v1::GetAnalyticsResponse r;
  grpc::Status s = stub_->GetAnalytics(&ctx, req, &r);
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(s.ok()) << s.error_message();
  int zones = 0;
  for (const v1::Forecast& f : r.forecasts()) {
    if (f.zone().size() != 2 || f.zone()[0] != 'z') continue;  // the other tests' zones
    ++zones;
    // Each zone: 5 nodes growing 1 MB per 5 minutes: 1.44 GB a day.
    EXPECT_NEAR(f.slope_per_day(), 5 * 288e6, 1e6) << f.zone();
  }
  EXPECT_EQ(zones, 10);
  std::printf("analytics report: 7 days, 100 series, %d samples each: %.0f ms\n", samples,
              absl::ToDoubleMilliseconds(took));
}

}  // namespace
}  // namespace datamesh::monitoring
