// The quota service's rules as pure functions: tiers and their limits, admission arithmetic,
// calendar months, storage integration for billing, prices, and validation of external input.
//
// Units: sizes are bytes; "GB" is 10^9 bytes; a billed storage month is 30 days (720 hours);
// money is in micro-units of a tier's currency. An absent limit (std::nullopt) is unlimited.
//
// Everything here is stateless and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace datamesh::quota {

// Sizes above this are refused as malformed: bigint columns hold them with room for sums.
inline constexpr uint64_t kMaxBytes = uint64_t{1} << 62;
inline constexpr uint64_t kBytesPerGb = 1'000'000'000;
inline constexpr int64_t kHoursPerBilledMonth = 720;

struct TierLimits {
  std::optional<uint64_t> storage_bytes;
  std::optional<uint64_t> bandwidth_bytes_month;
  std::optional<uint64_t> api_calls_hour;
};

struct TierDef {
  std::string name;
  std::string display_name;
  TierLimits limits;
  double sla_percent = 0;
  int64_t monthly_fee_micros = 0;
  int64_t storage_gb_month_micros = 0;
  int64_t bandwidth_gb_micros = 0;
  std::string currency = "USD";
};

// Whether `used + requested` stays within `limit` (overflow-safe; unlimited admits all).
bool Admits(std::optional<uint64_t> limit, uint64_t used, uint64_t requested);

// `limit - used`, or 0 when used is at or over the limit. Callers handle unlimited themselves.
uint64_t Remaining(uint64_t limit, uint64_t used);

// "YYYY-MM" of `t` in UTC.
std::string MonthOf(absl::Time t);

// Storage held over [from, to) split by calendar month (UTC): for each month touched, the
// byte-microseconds held in it. Empty when to <= from or bytes == 0.
struct MonthSlice {
  std::string month;
  unsigned __int128 byte_micros = 0;
};
std::vector<MonthSlice> IntegrateStorage(uint64_t bytes, absl::Time from, absl::Time to);

// Byte-microseconds as an exact decimal number of byte-seconds ("123.000456"), for numeric
// columns.
std::string ByteSecondsDecimal(unsigned __int128 byte_micros);

// The amount of a month's bill, rounded half up to whole micro-units:
//   monthly_fee + byte_hours * storage_gb_month / (10^9 * 720) + bandwidth * bandwidth_gb / 10^9
// Saturates at INT64_MAX.
int64_t AmountMicros(const TierDef& tier, uint64_t storage_byte_hours, uint64_t bandwidth_bytes);

// Validation of external input; each returns INVALID_ARGUMENT naming `field` on failure.
// Ids (user, file, record ids): 1-128 of [A-Za-z0-9_.:-]; `required` = false also accepts "".
absl::Status ValidateId(std::string_view field, std::string_view value, bool required = true);
// Idempotency keys (record ids): 0-128 printable ASCII characters, no spaces.
absl::Status ValidateKey(std::string_view field, std::string_view value);
// Reservation ids are canonical lowercase UUIDs.
absl::Status ValidateUuid(std::string_view field, std::string_view value);
// Tier names: 1-32 of [a-z0-9_-].
absl::Status ValidateTierName(std::string_view name);
absl::Status ValidateBytes(std::string_view field, uint64_t bytes);
// "YYYY-MM" with a month 01-12 (empty allowed when `required` is false).
absl::Status ValidateMonth(std::string_view month, bool required);
// A whole tier definition as UpdateTier receives it.
absl::Status ValidateTierDef(const TierDef& tier);

}  // namespace datamesh::quota
