// Helpers for handlers that make one unary call to a service for an HTTP request.
#pragma once

#include <grpcpp/grpcpp.h>

#include "services/gateway/api_context.h"
#include "services/gateway/rpc_status.h"

namespace datamesh::gateway {

// Runs `call(grpc::ClientContext&)` with the request's deadline and id; on failure answers the
// mapped error on `w` and returns false.
template <typename Call>
bool Unary(const ApiContext& ctx, const http::Request& request, http::ResponseWriter& w,
           Call call) {
  grpc::ClientContext context;
  PrepareContext(context, request.request_id(), ctx.rpc_timeout);
  grpc::Status rpc = call(context);
  if (rpc.ok()) return true;
  WriteApiError(w, StatusFromRpc(rpc, context));
  return false;
}

// 204 with no body.
inline void NoContent(http::ResponseWriter& w) {
  w.SetStatus(204);
  (void)w.WriteWhole("", "");
}

}  // namespace datamesh::gateway
