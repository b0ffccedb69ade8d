// Helpers for handlers that make one unary call to a service for a client's request.
#pragma once

#include <grpcpp/grpcpp.h>

#include <type_traits>

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

// A unary method of a service stub, e.g. &MonitoringService::StubInterface::ListSilences.
template <typename Stub, typename Req, typename Resp>
using StubMethod = grpc::Status (Stub::*)(grpc::ClientContext*, const Req&, Resp*);

// The common route: calls `method` on `stub` with `req` and answers `status` with the response
// as JSON (204: no body), or the mapped error. Returns whether the call worked.
template <typename Stub, typename Req, typename Resp>
bool Forward(const ApiContext& ctx, const http::Request& r, http::ResponseWriter& w,
             std::type_identity_t<Stub>& stub, StubMethod<Stub, Req, Resp> method,
             const Req& req, int status = 200) {
  Resp resp;
  if (!Unary(ctx, r, w, [&](grpc::ClientContext& c) { return (stub.*method)(&c, req, &resp); })) {
    return false;
  }
  if (status == 204) {
    NoContent(w);
  } else {
    WriteJson(w, status, resp);
  }
  return true;
}

// Forward for answers that are one message of the response (e.g. `resp.rule()`): `pick` maps
// the response to what is sent.
template <typename Stub, typename Req, typename Resp, typename Pick>
bool ForwardPicked(const ApiContext& ctx, const http::Request& r, http::ResponseWriter& w,
                   std::type_identity_t<Stub>& stub, StubMethod<Stub, Req, Resp> method,
                   const Req& req, Pick pick, int status = 200) {
  Resp resp;
  if (!Unary(ctx, r, w, [&](grpc::ClientContext& c) { return (stub.*method)(&c, req, &resp); })) {
    return false;
  }
  WriteJson(w, status, pick(resp));
  return true;
}

}  // namespace datamesh::gateway
