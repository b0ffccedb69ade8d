#include "services/gateway/limits/download_bandwidth.h"

#include <algorithm>

#include "services/gateway/http/api_error.h"
#include "services/gateway/upstream/rpc_status.h"
#include "shared/log/log.h"

namespace datamesh::gateway {
namespace {

absl::Status QuotaExceeded() {
  return http::WithHttpError(
      absl::ResourceExhaustedError("monthly download bandwidth limit reached"), 403,
      "QUOTA_EXCEEDED");
}

// One RecordBandwidth call. The record id is random, not the request id: a client may repeat
// its request id, which must not make later downloads free.
grpc::Status Record(const ApiContext& ctx, const Caller& caller, const CallOrigin& origin,
                    uint64_t bytes, bool within_limit, bool refund) {
  grpc::ClientContext context;
  // Not bound to the client's deadline: settling must happen whether or not the client stayed.
  PrepareContext(context, CallOrigin{origin.request_id}, ctx.rpc_timeout);
  quota::v1::RecordBandwidthRequest req;
  req.set_user_id(caller.user_id);
  req.set_tier(caller.tier);
  req.set_bytes(bytes);
  req.set_record_id(http::NewRequestId());
  req.set_within_limit(within_limit);
  req.set_refund(refund);
  quota::v1::RecordBandwidthResponse resp;
  return ctx.clients->quota().RecordBandwidth(&context, req, &resp);
}

}  // namespace

absl::Status CheckDownloadBandwidth(const ApiContext& ctx, const Caller& caller,
                                    const CallOrigin& origin, uint64_t bytes) {
  if (bytes == 0) return absl::OkStatus();
  grpc::ClientContext context;
  PrepareContext(context, origin, ctx.rpc_timeout);
  quota::v1::CheckBandwidthRequest req;
  req.set_user_id(caller.user_id);
  req.set_tier(caller.tier);
  req.set_bytes(bytes);
  quota::v1::CheckBandwidthResponse resp;
  grpc::Status rpc = ctx.clients->quota().CheckBandwidth(&context, req, &resp);
  if (AdmitWithoutQuota(rpc, "download admitted without a bandwidth check")) {
    return absl::OkStatus();
  }
  if (!rpc.ok()) return StatusFromRpc(rpc, context);
  if (resp.allowed()) return absl::OkStatus();
  return QuotaExceeded();
}

absl::Status DownloadMeter::Admit(uint64_t bytes) {
  if (bytes == 0 || sent_ + bytes <= admitted_) return absl::OkStatus();
  // A whole step when it fits, so payments stay rare; else exactly what this write needs, so
  // the end of a download can still use what is left of the month.
  const uint64_t missing = sent_ + bytes - admitted_;
  uint64_t step = std::max(kBandwidthStep, missing);
  if (expected_ > admitted_) step = std::min(step, std::max(missing, expected_ - admitted_));
  grpc::Status rpc = Record(ctx_, caller_, origin_, step, /*within_limit=*/true, false);
  if (rpc.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED && step > missing) {
    step = missing;
    rpc = Record(ctx_, caller_, origin_, step, /*within_limit=*/true, false);
  }
  if (rpc.ok()) {
    paid_ += step;
    admitted_ += step;
    return absl::OkStatus();
  }
  if (rpc.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) return QuotaExceeded();
  if (AdmitWithoutQuota(rpc, "download bytes admitted unpaid; counted when it ends")) {
    admitted_ += step;
    return absl::OkStatus();
  }
  return StatusFromRpc(rpc, /*dm_error_code=*/"", /*retry_after=*/"");
}

void DownloadMeter::Settle() {
  if (settled_) return;
  settled_ = true;
  grpc::Status rpc;
  if (sent_ < paid_) {
    rpc = Record(ctx_, caller_, origin_, paid_ - sent_, false, /*refund=*/true);
  } else if (sent_ > paid_) {
    rpc = Record(ctx_, caller_, origin_, sent_ - paid_, false, false);
  }
  if (!rpc.ok()) {
    log::Warn("download bandwidth not settled",
              {{"paid", paid_}, {"sent", sent_}, {"error", rpc.error_message()}});
  }
}

}  // namespace datamesh::gateway
