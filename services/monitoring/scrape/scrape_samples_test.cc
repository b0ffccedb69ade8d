#include "services/monitoring/scrape/scrape_samples.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace datamesh::monitoring::scrape {
namespace {

const Target kTarget{"chunk-store", "chunk-store-1", "127.0.0.1:9"};

exposition::Exposition Parse(const std::string& text) {
  auto e = exposition::ParseExposition(text, exposition::Format::kPrometheusText);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? *e : exposition::Exposition{};
}

bool IsStaleMarker(double v) {
  const double m = StaleMarker();
  return std::memcmp(&v, &m, sizeof v) == 0;
}

TEST(ScrapeSamples, AddsTheTargetsLabelsAndKeepsConflictingOnesAsExported) {
  const std::vector<store::Sample> got =
      TargetSamples(Parse("a_total{code=\"200\"} 5\n"
                          "b{service=\"chunk-store\"} 1\n"
                          "c{service=\"other\",instance=\"x\"} 2 1700000000123\n"),
                    kTarget, 1'700'000'009'000);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].labels, promql::MakeLabels({{"__name__", "a_total"},
                                               {"code", "200"},
                                               {"service", "chunk-store"},
                                               {"instance", "chunk-store-1"}}));
  EXPECT_EQ(got[0].t_ms, 1'700'000'009'000);
  EXPECT_EQ(got[0].value, 5);
  EXPECT_EQ(got[1].labels,
            promql::MakeLabels(
                {{"__name__", "b"}, {"service", "chunk-store"}, {"instance", "chunk-store-1"}}));
  EXPECT_EQ(got[2].labels, promql::MakeLabels({{"__name__", "c"},
                                               {"exported_service", "other"},
                                               {"exported_instance", "x"},
                                               {"service", "chunk-store"},
                                               {"instance", "chunk-store-1"}}));
  EXPECT_EQ(got[2].t_ms, 1'700'000'000'123);  // the exposition's own timestamp
}

TEST(ScrapeSamples, ReportsUpDurationAndCount) {
  const std::vector<store::Sample> got =
      ReportSamples(kTarget, {.up = false, .duration_seconds = 0.25, .samples_scraped = 0}, 7);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(promql::GetLabel(got[0].labels, "__name__"), "up");
  EXPECT_EQ(promql::GetLabel(got[0].labels, "instance"), "chunk-store-1");
  EXPECT_EQ(got[0].value, 0);
  EXPECT_EQ(promql::GetLabel(got[1].labels, "__name__"), "scrape_duration_seconds");
  EXPECT_EQ(got[1].value, 0.25);
  EXPECT_EQ(promql::GetLabel(got[2].labels, "__name__"), "scrape_samples_scraped");
  EXPECT_EQ(got[2].t_ms, 7);
}

TEST(ScrapeSamples, SeriesThatVanishGetAStalenessMarker) {
  StalenessTracker tracker;
  EXPECT_TRUE(
      tracker.Update(kTarget, TargetSamples(Parse("a 1\nb 2\n"), kTarget, 1000), 1000).empty());
  std::vector<store::Sample> markers =
      tracker.Update(kTarget, TargetSamples(Parse("a 1\n"), kTarget, 2000), 2000);
  ASSERT_EQ(markers.size(), 1u);
  EXPECT_EQ(promql::GetLabel(markers[0].labels, "__name__"), "b");
  EXPECT_EQ(markers[0].t_ms, 2000);
  EXPECT_TRUE(IsStaleMarker(markers[0].value));
  // A failed scrape ends every series.
  markers = tracker.Update(kTarget, {}, 3000);
  ASSERT_EQ(markers.size(), 1u);
  EXPECT_EQ(promql::GetLabel(markers[0].labels, "__name__"), "a");
  EXPECT_TRUE(tracker.Update(kTarget, {}, 4000).empty());
}

TEST(ScrapeSamples, ADroppedTargetEndsItsSeriesAndReportSeries) {
  StalenessTracker tracker;
  tracker.Update(kTarget, TargetSamples(Parse("a 1\n"), kTarget, 1000), 1000);
  const std::vector<store::Sample> markers = tracker.Drop(kTarget, 5000);
  ASSERT_EQ(markers.size(), 4u);  // a, up, scrape_duration_seconds, scrape_samples_scraped
  for (const store::Sample& m : markers) EXPECT_TRUE(IsStaleMarker(m.value));
  EXPECT_TRUE(tracker.Update(kTarget, {}, 6000).empty());  // forgotten
}

TEST(ScrapeSamples, AHandedOverTargetIsForgottenWithoutMarkers) {
  StalenessTracker tracker;
  tracker.Update(kTarget, TargetSamples(Parse("a 1\n"), kTarget, 1000), 1000);
  tracker.Forget(kTarget);
  EXPECT_TRUE(tracker.Update(kTarget, {}, 2000).empty());
}

}  // namespace
}  // namespace datamesh::monitoring::scrape
