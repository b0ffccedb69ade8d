#include "services/quota/quota_domain.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace datamesh::quota {
namespace {

using u128 = unsigned __int128;

absl::Status Invalid(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(field), ": ", std::string(why)));
}

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == ':' || c == '-';
}

std::string U128ToString(u128 v) {
  if (v == 0) return "0";
  std::string out;
  while (v > 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// round(numerator / denominator), half up; numerator and denominator non-negative.
u128 DivRound(u128 numerator, u128 denominator) {
  return (numerator + denominator / 2) / denominator;
}

}  // namespace

bool Admits(std::optional<uint64_t> limit, uint64_t used, uint64_t requested) {
  if (!limit.has_value()) return true;
  return u128{used} + requested <= *limit;
}

uint64_t Remaining(uint64_t limit, uint64_t used) { return used >= limit ? 0 : limit - used; }

std::string MonthOf(absl::Time t) {
  const absl::CivilMonth month(absl::ToCivilSecond(t, absl::UTCTimeZone()));
  return absl::FormatCivilTime(month);
}

std::vector<MonthSlice> IntegrateStorage(uint64_t bytes, absl::Time from, absl::Time to) {
  std::vector<MonthSlice> slices;
  if (bytes == 0 || to <= from) return slices;
  const absl::TimeZone utc = absl::UTCTimeZone();
  absl::Time start = from;
  while (start < to) {
    const absl::CivilMonth month(absl::ToCivilSecond(start, utc));
    const absl::Time month_end = absl::FromCivil(month + 1, utc);
    const absl::Time end = std::min(to, month_end);
    const int64_t micros = absl::ToInt64Microseconds(end - start);
    slices.push_back({absl::FormatCivilTime(month), u128{bytes} * static_cast<uint64_t>(micros)});
    start = end;
  }
  return slices;
}

std::string ByteSecondsDecimal(unsigned __int128 byte_micros) {
  std::string fraction = U128ToString(byte_micros % 1'000'000);
  fraction.insert(0, 6 - fraction.size(), '0');
  return absl::StrCat(U128ToString(byte_micros / 1'000'000), ".", fraction);
}

int64_t AmountMicros(const TierDef& tier, uint64_t storage_byte_hours, uint64_t bandwidth_bytes) {
  const u128 storage_price =
      static_cast<uint64_t>(std::max<int64_t>(0, tier.storage_gb_month_micros));
  const u128 bandwidth_price =
      static_cast<uint64_t>(std::max<int64_t>(0, tier.bandwidth_gb_micros));
  const u128 fee = static_cast<uint64_t>(std::max<int64_t>(0, tier.monthly_fee_micros));
  // byte_hours * price fits in 128 bits: both factors are below 2^64.
  const u128 storage =
      DivRound(u128{storage_byte_hours} * storage_price, u128{kBytesPerGb} * kHoursPerBilledMonth);
  const u128 bandwidth = DivRound(u128{bandwidth_bytes} * bandwidth_price, kBytesPerGb);
  const u128 total = fee + storage + bandwidth;
  constexpr u128 kMax = static_cast<u128>(std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(std::min(total, kMax));
}

absl::Status ValidateId(std::string_view field, std::string_view value, bool required) {
  if (value.empty()) return required ? Invalid(field, "must not be empty") : absl::OkStatus();
  if (value.size() > 128) return Invalid(field, "longer than 128 characters");
  if (!std::all_of(value.begin(), value.end(), IsIdChar)) {
    return Invalid(field, "only letters, digits and _ . : - are allowed");
  }
  return absl::OkStatus();
}

absl::Status ValidateKey(std::string_view field, std::string_view value) {
  if (value.size() > 128) return Invalid(field, "longer than 128 characters");
  if (!std::all_of(value.begin(), value.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
    return Invalid(field, "only printable ASCII without spaces is allowed");
  }
  return absl::OkStatus();
}

absl::Status ValidateUuid(std::string_view field, std::string_view value) {
  if (value.size() != 36) return Invalid(field, "not a UUID");
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const bool ok = dash ? c == '-' : ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    if (!ok) return Invalid(field, "not a UUID");
  }
  return absl::OkStatus();
}

absl::Status ValidateTierName(std::string_view name) {
  const bool ok =
      !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      });
  return ok ? absl::OkStatus() : Invalid("tier", "1-32 of [a-z0-9_-]");
}

absl::Status ValidateBytes(std::string_view field, uint64_t bytes) {
  return bytes > kMaxBytes ? Invalid(field, "larger than 2^62 bytes") : absl::OkStatus();
}

absl::Status ValidateMonth(std::string_view month, bool required) {
  if (month.empty() && !required) return absl::OkStatus();
  const bool shape = month.size() == 7 && month[4] == '-' &&
                     std::all_of(month.begin(), month.begin() + 4, ::isdigit) &&
                     ::isdigit(month[5]) && ::isdigit(month[6]);
  if (!shape) return Invalid("month", "expected YYYY-MM");
  const int m = (month[5] - '0') * 10 + (month[6] - '0');
  if (m < 1 || m > 12) return Invalid("month", "month must be 01-12");
  return absl::OkStatus();
}

absl::Status ValidateTierDef(const TierDef& tier) {
  if (absl::Status s = ValidateTierName(tier.name); !s.ok()) return s;
  if (tier.display_name.size() > 64) return Invalid("display_name", "longer than 64 characters");
  for (char c : tier.display_name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Invalid("display_name", "control characters are not allowed");
    }
  }
  for (std::optional<uint64_t> v :
       {tier.limits.storage_bytes, tier.limits.bandwidth_bytes_month, tier.limits.api_calls_hour}) {
    if (v.has_value() && *v > kMaxBytes) return Invalid("limits", "larger than 2^62");
  }
  if (!(tier.sla_percent >= 0 && tier.sla_percent <= 100)) {
    return Invalid("sla_percent", "must be within 0-100");
  }
  if (tier.monthly_fee_micros < 0 || tier.storage_gb_month_micros < 0 ||
      tier.bandwidth_gb_micros < 0) {
    return Invalid("prices", "must not be negative");
  }
  const std::string& c = tier.currency;
  if (c.size() != 3 ||
      !std::all_of(c.begin(), c.end(), [](char x) { return x >= 'A' && x <= 'Z'; })) {
    return Invalid("currency", "an ISO 4217 code of three capital letters");
  }
  return absl::OkStatus();
}

}  // namespace datamesh::quota
