#include "services/monitoring/analytics/explanation.h"

#include <gtest/gtest.h>

#include <cmath>

#include "services/monitoring/promql/memory_series_source.h"
#include "services/monitoring/analytics/test_times.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::analytics {
namespace {

using testing::kDayMs;
using testing::kHourMs;
using testing::kMinuteMs;

using promql::Label;
using promql::MakeLabels;

constexpr int64_t kNow = 1'796'515'200'000;

class Explanation : public ::testing::Test {
 protected:
  // A sample every minute over the last 30 minutes: `before` until the window (the last 5
  // minutes for a `for` under 5m), `during` in it.
  void Series(std::vector<Label> labels, double before, double during, double wobble = 0) {
    for (int m = 30; m >= 0; --m) {
      const double v = m > 5 ? before + (m % 2 ? wobble : -wobble) : during;
      ASSERT_OK(source_.Add(MakeLabels(labels), kNow - m * kMinuteMs, v));
    }
  }
  // A counter going up `before` per second until the window, then `during` per second.
  void Counter(std::vector<Label> labels, double before, double during) {
    double value = 0;
    for (int m = 30; m >= 0; --m) {
      ASSERT_OK(source_.Add(MakeLabels(labels), kNow - m * kMinuteMs, value));
      value += 60 * (m > 6 ? before : during);
    }
  }
  std::vector<alerts::SeriesChange> Explain(std::vector<Label> alert) {
    absl::StatusOr<std::vector<alerts::SeriesChange>> r = ExplainAlert(
        source_, MakeLabels(std::move(alert)), absl::Minutes(1), absl::FromUnixMillis(kNow));
    EXPECT_OK(r);
    return r.ok() ? *r : std::vector<alerts::SeriesChange>{};
  }
  promql::MemorySeriesSource source_;
};

TEST_F(Explanation, NamesTheSeriesThatMovedMostWithTheirChange) {
  const std::vector<Label> inst = {{"service", "chunk-store"}, {"instance", "i1"}};
  auto with = [&](std::vector<Label> l) {
    l.insert(l.end(), inst.begin(), inst.end());
    return l;
  };
  Series(with({{"__name__", "disk_used"}}), 100, 200);            // doubled: score 20
  Counter(with({{"__name__", "errors_total"}}), 1, 4);            // rate x4: score 60
  Series(with({{"__name__", "steady"}}), 7, 7);                   // did not move
  Series(with({{"__name__", "noisy"}}), 100, 110, 20);            // sd 20: score 0.5
  Series({{"__name__", "elsewhere"}, {"service", "dht"}}, 0, 5);  // from 0: huge score
  const std::vector<alerts::SeriesChange> got =
      Explain(with({{"alertname", "DiskFilling"}, {"severity", "warning"}}));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(promql::GetLabel(got[0].labels, "__name__"), "elsewhere");
  EXPECT_TRUE(std::isnan(got[0].change_ratio));
  EXPECT_EQ(promql::GetLabel(got[1].labels, "__name__"), "errors_total");
  EXPECT_TRUE(got[1].rate);
  EXPECT_NEAR(got[1].baseline_mean, 1, 1e-9);
  EXPECT_NEAR(got[1].window_mean, 4, 1e-9);
  EXPECT_NEAR(got[1].change_ratio, 3, 1e-9);
  EXPECT_NEAR(got[1].score, 3 / 0.05, 1e-6);
  EXPECT_EQ(promql::GetLabel(got[2].labels, "__name__"), "disk_used");
  EXPECT_NEAR(got[2].baseline_mean, 100, 1e-9);
  EXPECT_NEAR(got[2].window_mean, 200, 1e-9);
  EXPECT_NEAR(got[2].change_ratio, 1, 1e-9);
  EXPECT_NEAR(got[2].score, 100 / 5.0, 1e-9);
}

TEST_F(Explanation, CandidatesAreBoundedSameInstanceFirst) {
  Series({{"__name__", "mine"}, {"instance", "i1"}}, 10, 11);
  Series({{"__name__", "aaa_other"}, {"instance", "i2"}}, 10, 50);
  absl::StatusOr<std::vector<alerts::SeriesChange>> r =
      ExplainAlert(source_, MakeLabels({{"alertname", "A"}, {"instance", "i1"}}),
                   absl::ZeroDuration(), absl::FromUnixMillis(kNow), {.max_candidates = 1});
  ASSERT_OK(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(promql::GetLabel((*r)[0].labels, "__name__"), "mine");
}

TEST_F(Explanation, TooFewSamplesExplainNothing) {
  ASSERT_OK(source_.Add(MakeLabels({{"__name__", "x"}}), kNow - kMinuteMs, 1));
  ASSERT_OK(source_.Add(MakeLabels({{"__name__", "x"}}), kNow, 100));
  EXPECT_TRUE(Explain({{"alertname", "A"}}).empty());
}

TEST(ExplanationWindow, IsTheRulesForAndAtLeastFiveMinutes) {
  EXPECT_EQ(ExplanationWindow(absl::Minutes(1)), absl::Minutes(5));
  EXPECT_EQ(ExplanationWindow(absl::Minutes(30)), absl::Minutes(30));
}

}  // namespace
}  // namespace datamesh::monitoring::analytics
