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

std::string SourceIp(const http::Request& request) {
  std::string_view address = request.remote_address();
  // "[v6]:port" or "v4:port".
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find(']');
    if (close != std::string_view::npos) return std::string(address.substr(1, close - 1));
  }
  const size_t colon = address.rfind(':');
  return std::string(colon == std::string_view::npos ? address : address.substr(0, colon));
}

}  // namespace datamesh::gateway
