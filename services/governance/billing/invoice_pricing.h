// How a month of one user's usage becomes invoice lines: quantities from quota's billing
// record, unit prices from governance's price.* parameters, amounts in micro-tokens. A pure
// function, so every line's rounding has a table test (invoice_pricing_test.cc).
//
// Rounding: each line's amount is rounded half up to the micro-token on its own, from the
// exact product of quantity and price (128-bit); the total is the sum of the lines' amounts.
//
// Thread-safe: no state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace datamesh::governance::billing {

// One user's month as quota bills it (quota's BillingRecord).
struct MonthUsage {
  std::string user_id;
  std::string month;  // "YYYY-MM"
  std::string tier;
  uint64_t storage_byte_hours = 0;  // bytes x hours stored
  uint64_t bandwidth_bytes = 0;     // bytes downloaded
  uint64_t api_calls = 0;
};

// Unit prices in micro-tokens (governance parameters).
struct Prices {
  int64_t storage_per_gb_month = 0;    // price.storagePerGbMonth
  int64_t egress_per_gb = 0;           // price.egressPerGb
  int64_t api_calls_per_thousand = 0;  // price.apiCallsPerThousand
  int64_t subscription = 0;            // price.subscription.<tier>
};

struct InvoiceLine {
  std::string kind;      // "storage", "egress", "api_calls", "subscription"
  std::string quantity;  // decimal in `unit`, rounded half up to 6 places for display
  std::string unit;      // "GB-month", "GB", "thousand calls", "month"
  int64_t unit_price = 0;
  int64_t amount = 0;
};

// A GB is 10^9 bytes; a billed month is 30 days = 720 hours (as quota bills storage):
//   storage      = round(byte_hours x price / (720 x 10^9))
//   egress       = round(bytes x price / 10^9)
//   api_calls    = round(calls x price / 1000)
//   subscription = price
// Always the four lines in that order (a zero line shows the price). INVALID_ARGUMENT: a
// negative price, or an amount beyond 2^63 - 1 micro-tokens.
absl::StatusOr<std::vector<InvoiceLine>> PriceMonth(const MonthUsage& usage, const Prices& prices);

// The sum of the lines' amounts.
int64_t InvoiceTotal(const std::vector<InvoiceLine>& lines);

// "a / b" in decimal, rounded half up to `places` digits, trailing zeros dropped ("0.5", "12").
std::string FormatRatio(unsigned __int128 a, unsigned __int128 b, int places);

struct PaymentSplit {
  int64_t to_rewards = 0;  // floor(total x share_ppm / 10^6)
  int64_t to_fees = 0;     // the rest
};

// How a payment of `total` is shared between the rewards pool and the fee account.
PaymentSplit SplitPayment(int64_t total, int64_t rewards_share_ppm);

}  // namespace datamesh::governance::billing
