// Helpers for handlers that make one unary call to a service for a client's request.
#pragma once

#include <grpcpp/grpcpp.h>

#include "services/gateway/routes/api_context.h"
#include "services/gateway/upstream/rpc_status.h"

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

// Runs `call(grpc::ClientContext&)` with `origin`'s id and deadline (capped at the unary
// timeout); the mapped error on failure. For logic REST and public gRPC share.
template <typename Call>
absl::Status CallUpstream(const ApiContext& ctx, const CallOrigin& origin, Call call) {
  grpc::ClientContext context;
  PrepareContext(context, origin, ctx.rpc_timeout);
  grpc::Status rpc = call(context);
  return rpc.ok() ? absl::OkStatus() : StatusFromRpc(rpc, context);
}

// 204 with no body.
inline void NoContent(http::ResponseWriter& w) {
  w.SetStatus(204);
  (void)w.WriteWhole("", "");
}

}  // namespace datamesh::gateway
