// Rollup points: the aggregates of an interval (resets, staleness markers, NaN), their stored
// form bit-exact and refused when corrupt, and the --rollups flag.
#include "services/monitoring/store/rollup_points.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include "services/monitoring/store/rollup_builder.h"

namespace datamesh::monitoring::store {
namespace {

using promql::StaleMarker;

bool SameBits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

TEST(RollUp, KeepsEachIntervalsAggregatesAndItsResets) {
  // A counter: 10, 20, 30 | reset to 5, 7 | a staleness marker | 9 (next interval).
  const std::vector<promql::SamplePoint> samples = {
      {1'000, 10}, {16'000, 20}, {31'000, 30}, {46'000, 5}, {58'000, 7}, {59'000, StaleMarker()},
      {61'000, 9}};
  const std::vector<promql::RollupPoint> points = RollUp(samples, 60'000);
  ASSERT_EQ(points.size(), 2u);
  const promql::RollupPoint& a = points[0];
  EXPECT_EQ(a.t, 0);
  EXPECT_EQ(a.count, 5);
  EXPECT_EQ(a.sum, 72);
  EXPECT_EQ(a.min, 5);
  EXPECT_EQ(a.max, 30);
  EXPECT_EQ(a.first, 10);
  EXPECT_EQ(a.last, 7);
  EXPECT_EQ(a.correction, 30);  // the value before the reset
  // The increase as rate counts it: 10 -> 30 is 20, the reset adds 5, then 2: 27.
  EXPECT_EQ(a.last - a.first + a.correction, 27);
  EXPECT_EQ(a.first_t, 1'000);
  EXPECT_EQ(a.last_t, 58'000);
  EXPECT_EQ(points[1].t, 60'000);
  EXPECT_EQ(points[1].count, 1);
  EXPECT_EQ(points[1].first_t, 61'000);
}

TEST(RollUp, NegativeTimesFallInTheIntervalBelow) {
  const std::vector<promql::RollupPoint> points = RollUp({{-1, 1}, {0, 2}}, 1'000);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].t, -1'000);
  EXPECT_EQ(points[1].t, 0);
}

TEST(RollUp, OnlyStalenessMarkersMakeNoInterval) {
  EXPECT_TRUE(RollUp({{5, StaleMarker()}, {6, StaleMarker()}}, 1'000).empty());
}

std::vector<promql::RollupPoint> SomePoints() {
  std::vector<promql::SamplePoint> samples;
  double counter = 0;
  for (int i = 0; i < 2'000; ++i) {
    counter = i == 700 ? 3 : counter + (i % 7);
    samples.push_back({1'700'000'000'000 + 15'000 * i + (i * 7919) % 11 - 5, counter});
  }
  samples[1'000].v = std::nan("");
  samples[1'001].v = -0.0;
  return RollUp(samples, 300'000);
}

TEST(RollupCodec, RoundTripsBitExact) {
  const std::vector<promql::RollupPoint> points = SomePoints();
  const std::string bytes = EncodeRollups(points);
  absl::StatusOr<std::vector<promql::RollupPoint>> back = DecodeRollups(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), points.size());
  for (size_t i = 0; i < points.size(); ++i) {
    const promql::RollupPoint& a = points[i];
    const promql::RollupPoint& b = (*back)[i];
    EXPECT_EQ(a.t, b.t);
    EXPECT_EQ(a.first_t, b.first_t);
    EXPECT_EQ(a.last_t, b.last_t);
    for (auto [x, y] : {std::pair{a.count, b.count},
                        {a.sum, b.sum},
                        {a.min, b.min},
                        {a.max, b.max},
                        {a.first, b.first},
                        {a.last, b.last},
                        {a.correction, b.correction}}) {
      EXPECT_TRUE(SameBits(x, y)) << "interval " << i;
    }
  }
}

TEST(RollupCodec, RefusesEveryFlippedByteAndTruncation) {
  const std::string bytes = EncodeRollups(SomePoints());
  for (size_t i = 0; i < bytes.size(); i += 7) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    const absl::StatusOr<std::vector<promql::RollupPoint>> got = DecodeRollups(bad);
    ASSERT_FALSE(got.ok()) << "byte " << i;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  }
  EXPECT_EQ(DecodeRollups(bytes.substr(0, bytes.size() - 1)).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeRollups(bytes + "x").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeRollups("").status().code(), absl::StatusCode::kDataLoss);
}

TEST(ParseRollups, TakesResolutionRetentionPairsFinestFirst) {
  absl::StatusOr<std::vector<RollupResolution>> r = ParseRollups("5m:720h,1h:8760h");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].resolution, absl::Minutes(5));
  EXPECT_EQ((*r)[0].retention, absl::Hours(720));
  EXPECT_EQ((*r)[1].resolution, absl::Hours(1));
  EXPECT_EQ((*r)[1].retention, absl::Hours(8760));
  EXPECT_TRUE(ParseRollups("")->empty());
}

TEST(ParseRollups, RefusesWhatItCannotBuildAndSaysWhy) {
  for (const char* bad : {"5m", "5m:x", "1h:720h,5m:8760h", "5m:720h,7m:8760h", "500ms:1h",
                          "1h:30m", "5m:720h,5m:8760h"}) {
    absl::StatusOr<std::vector<RollupResolution>> r = ParseRollups(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("--rollups"), absl::string_view::npos);
  }
}

}  // namespace
}  // namespace datamesh::monitoring::store
