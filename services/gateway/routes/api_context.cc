#include "services/gateway/routes/api_context.h"

#include "services/gateway/routes/access_log.h"
#include "services/gateway/upstream/rpc_status.h"

namespace datamesh::gateway {

http::Handler Authed(const ApiContext& ctx, AuthedHandler handler, Access access) {
  return WithAccessLog([&ctx, handler = std::move(handler), access](const http::Request& request,
                                                                    http::BodyReader& body,
                                                                    http::ResponseWriter& w) {
    absl::StatusOr<Caller> caller = ctx.authenticator->Authenticate(request);
    if (!caller.ok()) return WriteApiError(w, caller.status());
    if (access == Access::kAdmin && !caller->is_admin()) {
      return WriteApiError(w, absl::PermissionDeniedError("administrators only"));
    }
    if (absl::Status s = ctx.limiter->Check(*caller, request.request_id()); !s.ok()) {
      return WriteApiError(w, s);
    }
    handler(*caller, request, body, w);
  });
}

std::string SourceIp(const ApiContext& ctx, const http::Request& request) {
  std::string_view address = request.remote_address();
  std::string_view peer = address;
  // "[v6]:port" or "v4:port" (or a bare v6 address with ":port" appended).
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find(']');
    if (close != std::string_view::npos) peer = address.substr(1, close - 1);
  } else if (const size_t colon = address.rfind(':'); colon != std::string_view::npos) {
    peer = address.substr(0, colon);
  }
  return ctx.proxies->ClientIp(peer, request.header("X-Forwarded-For"));
}

}  // namespace datamesh::gateway
