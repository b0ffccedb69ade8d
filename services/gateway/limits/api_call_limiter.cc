#include "services/gateway/limits/api_call_limiter.h"

#include "services/gateway/upstream/rpc_status.h"
#include "shared/log/log.h"

namespace datamesh::gateway {
namespace {

prometheus::Counter& MakeCounter(prometheus::Registry& registry, const std::string& name,
                                 const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

ApiCallLimiter::ApiCallLimiter(UpstreamClients& clients, prometheus::Registry& registry,
                               absl::Duration rpc_timeout)
    : clients_(clients),
      rpc_timeout_(rpc_timeout),
      denied_(MakeCounter(registry, "datamesh_gateway_rate_limited_total",
                          "API calls refused by the per-user rate limit")),
      fail_open_(MakeCounter(registry, "datamesh_gateway_rate_limit_fail_open_total",
                             "API calls let through because quota could not be asked")) {}

absl::Status ApiCallLimiter::Check(const Caller& caller, std::string_view request_id) {
  grpc::ClientContext context;
  PrepareContext(context, request_id, rpc_timeout_);
  quota::v1::CheckApiCallRequest req;
  req.set_user_id(caller.user_id);
  req.set_tier(caller.tier);
  quota::v1::CheckApiCallResponse resp;
  grpc::Status rpc = clients_.quota().CheckApiCall(&context, req, &resp);
  if (!rpc.ok()) {
    fail_open_.Increment();
    log::Warn("rate limit check failed; letting the call through",
              {{"code", static_cast<int>(rpc.error_code())}, {"error", rpc.error_message()}});
    return absl::OkStatus();
  }
  if (resp.allowed()) return absl::OkStatus();
  denied_.Increment();
  return RateLimited("too many API calls; retry later", resp.retry_after_seconds());
}

}  // namespace datamesh::gateway
