// Unit tests of the quota arithmetic and input validation (quota_domain.h).
#include "services/quota/quota_domain.h"

#include <gtest/gtest.h>

#include <limits>

#include "absl/time/civil_time.h"

namespace datamesh::quota {
namespace {

absl::Time Utc(int y, int m, int d, int h = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, h, 0, 0), absl::UTCTimeZone());
}

TEST(QuotaAdmission, AdmitsUpToTheLimitAndNotOneByteMore) {
  EXPECT_TRUE(Admits(100, 60, 40));
  EXPECT_FALSE(Admits(100, 60, 41));
  EXPECT_FALSE(Admits(100, 101, 0));
  EXPECT_TRUE(Admits(std::nullopt, UINT64_MAX, UINT64_MAX));
}

TEST(QuotaAdmission, DoesNotOverflowOnHugeNumbers) {
  EXPECT_FALSE(Admits(UINT64_MAX - 1, UINT64_MAX, UINT64_MAX));
  EXPECT_FALSE(Admits(10, 5, UINT64_MAX));
  EXPECT_EQ(Remaining(10, 4), 6u);
  EXPECT_EQ(Remaining(10, 40), 0u);
}

TEST(QuotaMonths, MonthIsUtcCalendarMonth) {
  EXPECT_EQ(MonthOf(Utc(2024, 2, 29, 23)), "2024-02");
  EXPECT_EQ(MonthOf(Utc(2024, 3, 1)), "2024-03");
}

TEST(QuotaIntegration, SplitsStorageAtMonthBoundaries) {
  // 1000 bytes from Jan 31 22:00 to Feb 1 02:00: 2 h in January, 2 h in February.
  auto slices = IntegrateStorage(1000, Utc(2024, 1, 31, 22), Utc(2024, 2, 1, 2));
  ASSERT_EQ(slices.size(), 2u);
  EXPECT_EQ(slices[0].month, "2024-01");
  EXPECT_EQ(ByteSecondsDecimal(slices[0].byte_micros), "7200000.000000");
  EXPECT_EQ(slices[1].month, "2024-02");
  EXPECT_EQ(ByteSecondsDecimal(slices[1].byte_micros), "7200000.000000");
}

TEST(QuotaIntegration, NothingForZeroBytesOrBackwardsTime) {
  EXPECT_TRUE(IntegrateStorage(0, Utc(2024, 1, 1), Utc(2024, 2, 1)).empty());
  EXPECT_TRUE(IntegrateStorage(5, Utc(2024, 2, 1), Utc(2024, 1, 1)).empty());
}

TEST(QuotaIntegration, KeepsSubSecondPrecisionAndHugeSizes) {
  const absl::Time t = Utc(2024, 5, 1);
  auto slices = IntegrateStorage(3, t, t + absl::Microseconds(1500001));
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_EQ(ByteSecondsDecimal(slices[0].byte_micros), "4.500003");
  // 2^62 bytes for a whole 31-day month does not overflow.
  auto big = IntegrateStorage(kMaxBytes, Utc(2024, 5, 1), Utc(2024, 6, 1));
  ASSERT_EQ(big.size(), 1u);
  EXPECT_EQ(ByteSecondsDecimal(big[0].byte_micros), "12351939831755915762073600.000000");
}

TEST(QuotaPricing, AmountIsFeePlusStorageAndBandwidth) {
  TierDef t;
  t.monthly_fee_micros = 9'990'000;
  t.storage_gb_month_micros = 20'000;  // 0.02 per GB-month
  t.bandwidth_gb_micros = 10'000;      // 0.01 per GB
  // 10 GB held for a whole 720-hour month + 5 GB downloaded:
  // 9.99 + 10 * 0.02 + 5 * 0.01 = 10.24
  const uint64_t byte_hours = 10 * kBytesPerGb * 720;
  EXPECT_EQ(AmountMicros(t, byte_hours, 5 * kBytesPerGb), 10'240'000);
  EXPECT_EQ(AmountMicros(t, 0, 0), 9'990'000);
}

TEST(QuotaPricing, RoundsHalfUpAndSaturates) {
  TierDef t;
  t.bandwidth_gb_micros = 1;
  EXPECT_EQ(AmountMicros(t, 0, 499'999'999), 0);
  EXPECT_EQ(AmountMicros(t, 0, 500'000'000), 1);
  t.bandwidth_gb_micros = std::numeric_limits<int64_t>::max();
  t.monthly_fee_micros = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(AmountMicros(t, UINT64_MAX, UINT64_MAX), std::numeric_limits<int64_t>::max());
}

TEST(QuotaValidation, RefusesMalformedIds) {
  EXPECT_TRUE(ValidateId("user_id", "3f0c-user_1.a:b").ok());
  EXPECT_FALSE(ValidateId("user_id", "").ok());
  EXPECT_TRUE(ValidateId("record_id", "", /*required=*/false).ok());
  EXPECT_TRUE(ValidateKey("record_id", "req-1#7").ok());
  EXPECT_FALSE(ValidateKey("record_id", "a b").ok());
  EXPECT_FALSE(ValidateId("user_id", "x'; DROP TABLE quota.usage; --").ok());
  EXPECT_FALSE(ValidateId("user_id", std::string(129, 'a')).ok());
  EXPECT_FALSE(ValidateId("user_id", std::string("a\0b", 3)).ok());
}

TEST(QuotaValidation, ReservationIdsAreLowercaseUuids) {
  EXPECT_TRUE(ValidateUuid("r", "123e4567-e89b-42d3-a456-426614174000").ok());
  EXPECT_FALSE(ValidateUuid("r", "123E4567-E89B-42D3-A456-426614174000").ok());
  EXPECT_FALSE(ValidateUuid("r", "123e4567e89b42d3a456426614174000").ok());
}

TEST(QuotaValidation, TiersMonthsAndSizes) {
  EXPECT_TRUE(ValidateTierName("premium-2").ok());
  EXPECT_FALSE(ValidateTierName("Premium").ok());
  EXPECT_FALSE(ValidateTierName(std::string(33, 'a')).ok());
  EXPECT_TRUE(ValidateMonth("2024-12", true).ok());
  EXPECT_FALSE(ValidateMonth("2024-13", true).ok());
  EXPECT_FALSE(ValidateMonth("2024-1", true).ok());
  EXPECT_TRUE(ValidateMonth("", false).ok());
  EXPECT_TRUE(ValidateBytes("b", kMaxBytes).ok());
  EXPECT_FALSE(ValidateBytes("b", kMaxBytes + 1).ok());
  TierDef t;
  t.name = "gold";
  EXPECT_TRUE(ValidateTierDef(t).ok());
  t.monthly_fee_micros = -1;
  EXPECT_FALSE(ValidateTierDef(t).ok());
  t.monthly_fee_micros = 0;
  t.currency = "usd";
  EXPECT_FALSE(ValidateTierDef(t).ok());
}

}  // namespace
}  // namespace datamesh::quota
