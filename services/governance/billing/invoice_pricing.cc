#include "services/governance/billing/invoice_pricing.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"

namespace datamesh::governance::billing {
namespace {

using U128 = unsigned __int128;

constexpr U128 kGb = 1'000'000'000;
constexpr U128 kHoursPerMonth = 720;

// round(q x price / d), half up; INVALID_ARGUMENT beyond int64.
absl::StatusOr<int64_t> Amount(uint64_t q, int64_t price, U128 d, const char* what) {
  // q < 2^64 and price < 2^63: the product fits 127 bits.
  const U128 exact = static_cast<U128>(q) * static_cast<U128>(price);
  const U128 rounded = (exact + d / 2) / d;
  if (rounded > static_cast<U128>(std::numeric_limits<int64_t>::max())) {
    return absl::InvalidArgumentError(absl::StrCat("the ", what, " amount is too large"));
  }
  return static_cast<int64_t>(rounded);
}

std::string ToDecimal(U128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v > 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

}  // namespace

std::string FormatRatio(U128 a, U128 b, int places) {
  U128 scale = 1;
  for (int i = 0; i < places; ++i) scale *= 10;
  const U128 scaled = (a * scale + b / 2) / b;
  std::string whole = ToDecimal(scaled / scale);
  std::string frac = ToDecimal(scaled % scale);
  frac.insert(0, static_cast<size_t>(places) - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return frac.empty() ? whole : whole + "." + frac;
}

absl::StatusOr<std::vector<InvoiceLine>> PriceMonth(const MonthUsage& u, const Prices& p) {
  if (p.storage_per_gb_month < 0 || p.egress_per_gb < 0 || p.api_calls_per_thousand < 0 ||
      p.subscription < 0) {
    return absl::InvalidArgumentError("prices must not be negative");
  }
  std::vector<InvoiceLine> lines(4);
  const U128 storage_d = kHoursPerMonth * kGb;
  lines[0] = {"storage", FormatRatio(u.storage_byte_hours, storage_d, 6), "GB-month",
              p.storage_per_gb_month, 0};
  lines[1] = {"egress", FormatRatio(u.bandwidth_bytes, kGb, 6), "GB", p.egress_per_gb, 0};
  lines[2] = {"api_calls", FormatRatio(u.api_calls, 1000, 6), "thousand calls",
              p.api_calls_per_thousand, 0};
  lines[3] = {"subscription", "1", "month", p.subscription, p.subscription};
  absl::StatusOr<int64_t> a =
      Amount(u.storage_byte_hours, p.storage_per_gb_month, storage_d, "storage");
  if (!a.ok()) return a.status();
  lines[0].amount = *a;
  if (a = Amount(u.bandwidth_bytes, p.egress_per_gb, kGb, "egress"); !a.ok()) return a.status();
  lines[1].amount = *a;
  if (a = Amount(u.api_calls, p.api_calls_per_thousand, 1000, "API call"); !a.ok()) {
    return a.status();
  }
  lines[2].amount = *a;
  U128 total = 0;
  for (const InvoiceLine& l : lines) total += static_cast<U128>(l.amount);
  if (total > static_cast<U128>(std::numeric_limits<int64_t>::max())) {
    return absl::InvalidArgumentError("the invoice total is too large");
  }
  return lines;
}

int64_t InvoiceTotal(const std::vector<InvoiceLine>& lines) {
  int64_t total = 0;
  for (const InvoiceLine& l : lines) total += l.amount;
  return total;
}

PaymentSplit SplitPayment(int64_t total, int64_t rewards_share_ppm) {
  PaymentSplit s;
  if (total <= 0) return s;
  const int64_t ppm = std::clamp<int64_t>(rewards_share_ppm, 0, 1'000'000);
  s.to_rewards = static_cast<int64_t>(static_cast<__int128>(total) * ppm / 1'000'000);
  s.to_fees = total - s.to_rewards;
  return s;
}

}  // namespace datamesh::governance::billing
