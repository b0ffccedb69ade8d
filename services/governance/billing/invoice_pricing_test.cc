// Table tests of invoice amounts (invoice_pricing.h): each line's rounding, the subscription,
// the total, refusals, and the split of a payment.
#include "services/governance/billing/invoice_pricing.h"

#include <gtest/gtest.h>

#include "shared/testing/status_matchers.h"

namespace datamesh::governance::billing {
namespace {

struct LineCase {
  const char* name;
  MonthUsage usage;
  Prices prices;
  std::vector<int64_t> amounts;  // storage, egress, api_calls, subscription
  std::vector<std::string> quantities;
};

TEST(InvoicePricing, PricesEachLineRoundedHalfUp) {
  const Prices p{4000, 7000, 500, 9'990'000};
  const std::vector<LineCase> cases = {
      {"nothing used: only the subscription",
       {"u", "2026-11", "premium", 0, 0, 0},
       p,
       {0, 0, 0, 9'990'000},
       {"0", "0", "0", "1"}},
      {"one GB for a whole month",
       {"u", "2026-11", "premium", 720'000'000'000, 0, 0},
       p,
       {4000, 0, 0, 9'990'000},
       {"1", "0", "0", "1"}},
      {"one GB for one hour: 4000/720 = 5.55 -> 6",
       {"u", "2026-11", "premium", 1'000'000'000, 0, 0},
       p,
       {6, 0, 0, 9'990'000},
       {"0.001389", "0", "0", "1"}},
      {"half a micro-token rounds up: 1 byte-hour at 360e9/GB-month",
       {"u", "m", "t", 1, 0, 0},
       {360'000'000'000, 0, 0, 0},
       {1, 0, 0, 0},
       {"0", "0", "0", "1"}},
      {"just under half rounds down",
       {"u", "m", "t", 1, 0, 0},
       {359'999'999'999, 0, 0, 0},
       {0, 0, 0, 0},
       {"0", "0", "0", "1"}},
      {"1.5 GB egress",
       {"u", "m", "t", 0, 1'500'000'000, 0},
       p,
       {0, 10'500, 0, 9'990'000},
       {"0", "1.5", "0", "1"}},
      {"1 byte egress rounds to 0",
       {"u", "m", "t", 0, 1, 0},
       p,
       {0, 0, 0, 9'990'000},
       {"0", "0", "0", "1"}},
      {"1234 API calls: 617",
       {"u", "m", "t", 0, 0, 1234},
       p,
       {0, 0, 617, 9'990'000},
       {"0", "0", "1.234", "1"}},
      {"1 API call at 500/thousand is half: rounds up",
       {"u", "m", "t", 0, 0, 1},
       p,
       {0, 0, 1, 9'990'000},
       {"0", "0", "0.001", "1"}},
  };
  for (const LineCase& c : cases) {
    absl::StatusOr<std::vector<InvoiceLine>> lines = PriceMonth(c.usage, c.prices);
    ASSERT_OK(lines) << c.name;
    ASSERT_EQ(lines->size(), 4u) << c.name;
    int64_t sum = 0;
    for (size_t i = 0; i < 4; ++i) {
      EXPECT_EQ((*lines)[i].amount, c.amounts[i]) << c.name << " line " << i;
      EXPECT_EQ((*lines)[i].quantity, c.quantities[i]) << c.name << " line " << i;
      sum += c.amounts[i];
    }
    EXPECT_EQ(InvoiceTotal(*lines), sum) << c.name;
  }
}

TEST(InvoicePricing, LinesCarryKindsUnitsAndPrices) {
  absl::StatusOr<std::vector<InvoiceLine>> lines =
      PriceMonth({"u", "m", "t", 0, 0, 0}, {1, 2, 3, 4});
  ASSERT_OK(lines);
  EXPECT_EQ((*lines)[0].kind, "storage");
  EXPECT_EQ((*lines)[0].unit, "GB-month");
  EXPECT_EQ((*lines)[1].kind, "egress");
  EXPECT_EQ((*lines)[1].unit_price, 2);
  EXPECT_EQ((*lines)[2].kind, "api_calls");
  EXPECT_EQ((*lines)[3].kind, "subscription");
  EXPECT_EQ((*lines)[3].unit_price, 4);
}

TEST(InvoicePricing, RefusesNegativePricesAndOverflow) {
  EXPECT_THAT(PriceMonth({"u", "m", "t", 0, 0, 0}, {-1, 0, 0, 0}).status(),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PriceMonth({"u", "m", "t", 0, UINT64_MAX, 0}, {0, INT64_MAX, 0, 0}).status(),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PriceMonth({"u", "m", "t", 0, 0, 0}, {0, 0, 0, INT64_MAX}).status(), testing::IsOk());
  EXPECT_THAT(PriceMonth({"u", "m", "t", 0, 0, 1000}, {0, 0, INT64_MAX, INT64_MAX}).status(),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(InvoicePricing, FormatsRatiosHalfUpWithoutTrailingZeros) {
  EXPECT_EQ(FormatRatio(1, 2, 6), "0.5");
  EXPECT_EQ(FormatRatio(2, 1, 6), "2");
  EXPECT_EQ(FormatRatio(1, 3, 6), "0.333333");
  EXPECT_EQ(FormatRatio(2, 3, 6), "0.666667");
  EXPECT_EQ(FormatRatio(1, 2'000'000, 6), "0.000001");
  EXPECT_EQ(FormatRatio(1, 2'000'001, 6), "0");
}

TEST(InvoicePricing, SplitsAPaymentBetweenRewardsAndFees) {
  struct Case {
    int64_t total, ppm, rewards, fees;
  };
  const std::vector<Case> cases = {
      {1000, 800'000, 800, 200}, {1001, 800'000, 800, 201},  {1, 800'000, 0, 1},
      {1000, 0, 0, 1000},        {1000, 1'000'000, 1000, 0}, {0, 800'000, 0, 0},
  };
  for (const Case& c : cases) {
    PaymentSplit s = SplitPayment(c.total, c.ppm);
    EXPECT_EQ(s.to_rewards, c.rewards) << c.total;
    EXPECT_EQ(s.to_fees, c.fees) << c.total;
  }
}

}  // namespace
}  // namespace datamesh::governance::billing
