#include "services/gateway/limits/download_bandwidth.h"

#include "services/gateway/http/api_error.h"
#include "services/gateway/upstream/rpc_status.h"
#include "shared/log/log.h"

namespace datamesh::gateway {

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
  return http::WithHttpError(
      absl::ResourceExhaustedError("monthly download bandwidth limit reached"), 403,
      "QUOTA_EXCEEDED");
}

// The record id is random, not the request id: a client may repeat its request id, which must
// not make later downloads free.
void RecordDownloadBandwidth(const ApiContext& ctx, const Caller& caller, const CallOrigin& origin,
                             uint64_t bytes) {
  if (bytes == 0) return;
  grpc::ClientContext context;
  // Not bound to the client's deadline: the bytes went out whether or not the client stayed.
  PrepareContext(context, CallOrigin{origin.request_id}, ctx.rpc_timeout);
  quota::v1::RecordBandwidthRequest req;
  req.set_user_id(caller.user_id);
  req.set_bytes(bytes);
  req.set_record_id(http::NewRequestId());
  quota::v1::RecordBandwidthResponse resp;
  grpc::Status rpc = ctx.clients->quota().RecordBandwidth(&context, req, &resp);
  if (!rpc.ok()) {
    log::Warn("bandwidth not recorded", {{"bytes", bytes}, {"error", rpc.error_message()}});
  }
}

}  // namespace datamesh::gateway
