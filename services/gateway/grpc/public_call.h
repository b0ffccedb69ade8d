// The gate of every public gRPC call, and how its outcome reaches the client.
//
// Admit() looks the RPC up in the exposure table (rpc_exposure.h): internal and unlisted RPCs
// answer UNIMPLEMENTED, as if not served. Every other call gets a request id (the client's
// `x-request-id` when usable, else a new one; echoed as initial metadata and passed to the
// services), the peer's address and the client's deadline. Unless the RPC is anonymous, the
// `authorization: Bearer <secret>` metadata goes through the same Authenticator as REST
// (UNAUTHENTICATED when missing or bad), admin RPCs need role admin (PERMISSION_DENIED) and the
// call counts one API call through ApiCallLimiter (RESOURCE_EXHAUSTED when limited).
//
// ToClientStatus() maps errors exactly as REST does (rpc_status.h, http/api_error.h): no
// internals in messages, `retry-after` + `dm-error-code: RATE_LIMITED` trailers on rate limits,
// `dm-error-code: QUOTA_EXCEEDED` on quota refusals.
//
// Thread safety: functions are thread-safe; each PublicCall belongs to one call.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/gateway/identity/caller.h"
#include "services/gateway/routes/api_context.h"
#include "services/gateway/upstream/rpc_status.h"
#include "services/gateway/upstream/upstream_clients.h"

namespace datamesh::gateway::public_grpc {

// What an admitted call acts with.
struct PublicCall {
  Caller caller;          // empty for anonymous RPCs
  std::string secret;     // the caller's bearer secret; "" for anonymous RPCs
  std::string source_ip;  // for audit records and the login limiter
  CallOrigin origin;      // request id and the client's deadline
};

[[nodiscard]] absl::StatusOr<PublicCall> Admit(const ApiContext& ctx, grpc::ServerContext& server,
                                               std::string_view method);

grpc::Status ToClientStatus(grpc::ServerContext& server, const absl::Status& status);

// Admits the call, then runs `work(const PublicCall&) -> absl::Status`.
template <typename Work>
grpc::Status Serve(const ApiContext& ctx, grpc::ServerContext& server, std::string_view method,
                   Work work) {
  absl::StatusOr<PublicCall> call = Admit(ctx, server, method);
  if (!call.ok()) return ToClientStatus(server, call.status());
  return ToClientStatus(server, work(*call));
}

// Admits the call, then makes one unary call to a service:
// `call(const PublicCall&, grpc::ClientContext&) -> grpc::Status`, with the call's request id and
// deadline (capped at the gateway's unary timeout).
template <typename Call>
grpc::Status ServeUnary(const ApiContext& ctx, grpc::ServerContext& server, std::string_view method,
                        Call call) {
  return Serve(ctx, server, method, [&](const PublicCall& admitted) {
    grpc::ClientContext context;
    PrepareContext(context, admitted.origin, ctx.rpc_timeout);
    grpc::Status rpc = call(admitted, context);
    return rpc.ok() ? absl::OkStatus() : StatusFromRpc(rpc, context);
  });
}

}  // namespace datamesh::gateway::public_grpc
