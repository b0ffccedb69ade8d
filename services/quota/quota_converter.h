// Conversions between the quota service's domain values and its proto messages.
// Stateless and thread-safe.
#pragma once

#include "absl/time/time.h"
#include "datamesh/quota/v1/quota.pb.h"
#include "services/quota/quota_domain.h"
#include "services/quota/quota_store.h"

namespace datamesh::quota {

common::v1::Limits ToProto(const TierLimits& limits);
TierLimits FromProto(const common::v1::Limits& limits);
quota::v1::Tier ToProto(const TierDef& tier);
TierDef FromProto(const quota::v1::Tier& tier);
// `tier` prices the record (nullptr: priced at 0 in USD); `current_month` is not finalized.
quota::v1::BillingRecord ToProto(const BillingRow& row, const TierDef* tier,
                                 const std::string& current_month);
void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out);

}  // namespace datamesh::quota
