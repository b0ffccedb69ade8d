#include "services/quota/quota_converter.h"

namespace datamesh::quota {

common::v1::Limits ToProto(const TierLimits& limits) {
  common::v1::Limits out;
  if (limits.storage_bytes) out.set_storage_bytes(*limits.storage_bytes);
  if (limits.bandwidth_bytes_month) out.set_bandwidth_bytes_month(*limits.bandwidth_bytes_month);
  if (limits.api_calls_hour) out.set_api_calls_hour(*limits.api_calls_hour);
  return out;
}

TierLimits FromProto(const common::v1::Limits& limits) {
  TierLimits out;
  if (limits.has_storage_bytes()) out.storage_bytes = limits.storage_bytes();
  if (limits.has_bandwidth_bytes_month()) {
    out.bandwidth_bytes_month = limits.bandwidth_bytes_month();
  }
  if (limits.has_api_calls_hour()) out.api_calls_hour = limits.api_calls_hour();
  return out;
}

quota::v1::Tier ToProto(const TierDef& tier) {
  quota::v1::Tier out;
  out.set_name(tier.name);
  out.set_display_name(tier.display_name);
  *out.mutable_limits() = ToProto(tier.limits);
  out.set_sla_percent(tier.sla_percent);
  out.set_monthly_fee_micros(tier.monthly_fee_micros);
  out.set_storage_gb_month_micros(tier.storage_gb_month_micros);
  out.set_bandwidth_gb_micros(tier.bandwidth_gb_micros);
  out.set_currency(tier.currency);
  return out;
}

TierDef FromProto(const quota::v1::Tier& tier) {
  TierDef out;
  out.name = tier.name();
  out.display_name = tier.display_name();
  out.limits = FromProto(tier.limits());
  out.sla_percent = tier.sla_percent();
  out.monthly_fee_micros = tier.monthly_fee_micros();
  out.storage_gb_month_micros = tier.storage_gb_month_micros();
  out.bandwidth_gb_micros = tier.bandwidth_gb_micros();
  out.currency = tier.currency().empty() ? "USD" : tier.currency();
  return out;
}

quota::v1::BillingRecord ToProto(const BillingRow& row, const TierDef* tier,
                                 const std::string& current_month) {
  quota::v1::BillingRecord out;
  out.set_id(row.id);
  out.set_user_id(row.user_id);
  out.set_month(row.month);
  out.set_tier(row.tier);
  out.set_storage_byte_hours(row.storage_byte_hours);
  out.set_bandwidth_bytes(row.bandwidth_bytes);
  out.set_api_calls(row.api_calls);
  out.set_amount_micros(tier ? AmountMicros(*tier, row.storage_byte_hours, row.bandwidth_bytes)
                             : 0);
  out.set_currency(tier ? tier->currency : "USD");
  // "YYYY-MM" strings order like the months they name.
  out.set_finalized(row.month < current_month);
  return out;
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t micros = absl::ToUnixMicros(t);
  out->set_seconds(micros / 1'000'000);
  out->set_nanos(static_cast<int32_t>((micros % 1'000'000) * 1000));
}

}  // namespace datamesh::quota
