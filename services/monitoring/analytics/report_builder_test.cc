#include "services/monitoring/analytics/report_builder.h"

#include <gtest/gtest.h>

#include <cmath>

#include "services/monitoring/analytics/report_proto.h"
#include "services/monitoring/promql/memory_series_source.h"
#include "services/monitoring/analytics/test_times.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::analytics {
namespace {

using testing::kDayMs;
using testing::kHourMs;
using testing::kMinuteMs;

using ::datamesh::testing::StatusIs;
using promql::Label;
using promql::MakeLabels;

constexpr int64_t kStart = 1'796'515'200'000;  // Sunday 2026-12-06 00:00 UTC
constexpr double kGiB = 1 << 30;

// The value of the CSV row that starts with `prefix` (NaN when there is none).
double Figure(const std::string& csv, const std::string& prefix) {
  const size_t at = csv.find("\r\n" + prefix);
  if (at == std::string::npos) return std::nan("");
  return std::stod(csv.substr(at + 2 + prefix.size()));
}

class ReportBuilder : public ::testing::Test {
 protected:
  // Two chunk-stores for 2 days, a sample every 4 minutes (the report's step, so the points
  // are the samples): zone-a's labelled `zone`, growing
  // 2 GiB a day of 100 GiB; zone-b's (no zone label, its instance resolved by zone_of)
  // growing 1 GiB a day of 50 GiB. A request counter at 10 per second.
  void Fill() {
    for (int64_t t = kStart; t <= kStart + 2 * kDayMs; t += 4 * kMinuteMs) {
      const double days = static_cast<double>(t - kStart) / kDayMs;
      Add({{"__name__", "datamesh_chunk_store_used_bytes"}, {"instance", "a1"}, {"zone", "zone-a"}},
          t, 10 * kGiB + 2 * kGiB * days);
      Add({{"__name__", "datamesh_chunk_store_capacity_bytes"},
           {"instance", "a1"},
           {"zone", "zone-a"}},
          t, 100 * kGiB);
      Add({{"__name__", "datamesh_chunk_store_used_bytes"}, {"instance", "b1"}}, t,
          40 * kGiB + kGiB * days);
      Add({{"__name__", "datamesh_chunk_store_capacity_bytes"}, {"instance", "b1"}}, t, 50 * kGiB);
      Add({{"__name__", "datamesh_grpc_server_handled_total"}, {"service", "auth"}}, t,
          10.0 * (t - kStart) / 1000);
    }
  }
  void Add(std::vector<Label> labels, int64_t t, double v) {
    ASSERT_OK(source_.Add(MakeLabels(std::move(labels)), t, v));
  }
  absl::StatusOr<Report> Build(absl::Duration window, std::string zone = "",
                               std::string section = "") {
    return BuildReport(source_,
                       [](const std::string& instance) { return instance == "b1" ? "zone-b" : ""; },
                       {absl::FromUnixMillis(kStart + 2 * kDayMs), window, zone, section});
  }
  promql::MemorySeriesSource source_;
};

TEST_F(ReportBuilder, TrendsForecastsAndRecommendationsFromTheSeries) {
  Fill();
  absl::StatusOr<Report> r_or = Build(absl::Hours(48));
  ASSERT_OK(r_or);
  Report& r = *r_or;
  EXPECT_EQ(r.step, absl::Minutes(4));
  ASSERT_EQ(r.trends.size(), 2u);  // bandwidth has no series: a gap
  EXPECT_EQ(r.trends[0].name, "storage");
  EXPECT_NEAR(r.trends[0].slope_per_day, 3 * kGiB, 1);
  EXPECT_EQ(r.trends[1].name, "requests");
  // 10 per second, but for the first point's rate, extrapolated from where the series starts.
  EXPECT_NEAR(r.trends[1].mean_value, 10, 0.01);
  ASSERT_EQ(r.forecasts.size(), 2u);
  EXPECT_EQ(r.forecasts[0].zone, "zone-a");
  EXPECT_NEAR(r.forecasts[0].slope_per_day, 2 * kGiB, 1);
  EXPECT_NEAR(*r.forecasts[0].days_until_full, (100 - 14) / 2.0, 1e-6);
  EXPECT_EQ(r.forecasts[1].zone, "zone-b");
  EXPECT_NEAR(*r.forecasts[1].days_until_full, (50 - 42) / 1.0, 1e-6);
  // zone-b: full in 8 days (critical, under 7.5? no: warning); zone-a 43 days: nothing;
  // used ratios 0.14 and 0.84: rebalance.
  ASSERT_EQ(r.recommendations.size(), 2u);
  EXPECT_EQ(r.recommendations[0].kind, "add_nodes");
  EXPECT_EQ(r.recommendations[0].zone, "zone-b");
  EXPECT_EQ(r.recommendations[0].severity, "warning");
  EXPECT_EQ(r.recommendations[1].kind, "rebalance");
  ASSERT_EQ(r.patterns.size(), 1u);  // two days: hours, not weekdays
  EXPECT_EQ(r.patterns[0].dimension, "hour_of_day");
  std::vector<std::string> gaps;
  for (const Gap& g : r.gaps) gaps.push_back(g.section + "/" + g.item);
  EXPECT_EQ(gaps, (std::vector<std::string>{"trends/bandwidth", "recommendations/raise_tier_limit",
                                            "patterns/weekday"}));
}

TEST_F(ReportBuilder, ZoneAndSectionNarrowTheReport) {
  Fill();
  absl::StatusOr<Report> r_or = Build(absl::Hours(48), "zone-a", "forecasts");
  ASSERT_OK(r_or);
  Report& r = *r_or;
  EXPECT_TRUE(r.trends.empty());
  EXPECT_TRUE(r.patterns.empty());
  EXPECT_TRUE(r.recommendations.empty());
  ASSERT_EQ(r.forecasts.size(), 1u);
  EXPECT_EQ(r.forecasts[0].zone, "zone-a");
  absl::StatusOr<Report> none_or = Build(absl::Hours(48), "zone-x", "forecasts");
  ASSERT_OK(none_or);
  Report& none = *none_or;
  ASSERT_EQ(none.gaps.size(), 1u);
  EXPECT_EQ(none.gaps[0].reason, "no storage series in this zone in the window");
}

TEST_F(ReportBuilder, AnEmptyStoreSaysNotEnoughDataEverywhere) {
  absl::StatusOr<Report> r_or = Build(absl::Hours(24 * 7));
  ASSERT_OK(r_or);
  Report& r = *r_or;
  EXPECT_TRUE(r.trends.empty());
  EXPECT_TRUE(r.forecasts.empty());
  EXPECT_TRUE(r.recommendations.empty());
  EXPECT_TRUE(r.patterns.empty());
  ASSERT_EQ(r.gaps.size(), 7u);
  EXPECT_EQ(r.gaps[0].reason,
            "not enough data (0 samples over 0 minutes, need at least 10 samples over 60 "
            "minutes)");
  EXPECT_EQ(r.gaps[3].item, "zones");
}

TEST_F(ReportBuilder, RefusesBadWindowsAndSections) {
  EXPECT_THAT(Build(absl::Minutes(30)), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Build(absl::Hours(24 * 91)), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Build(absl::Hours(2), "", "everything"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ReportBuilder, CsvHasAHeaderARowPerFigureAndQuotedFields) {
  Fill();
  absl::StatusOr<Report> r_or = Build(absl::Hours(48));
  ASSERT_OK(r_or);
  Report& r = *r_or;
  const std::string csv = ReportCsv(ReportToProto(r));
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")), "section,item,figure,value,unit,query,note");
  EXPECT_NEAR(Figure(csv, "forecasts,zone-b,days_until_full,"), 8, 1e-6) << csv;
  EXPECT_NEAR(Figure(csv, "trends,storage,slope_per_day,"), 3 * kGiB, 1e-3) << csv;
  // A reason holds commas: quoted.
  EXPECT_NE(csv.find("trends,bandwidth,not_enough_data,,,,\"not enough data (0 samples over 0 "
                     "minutes, need at least 10 samples over 60 minutes)\"\r\n"),
            std::string::npos)
      << csv;
}

}  // namespace
}  // namespace datamesh::monitoring::analytics
