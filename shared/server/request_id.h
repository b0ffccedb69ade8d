// Request ids across services: the gateway sends the id of each HTTP request as gRPC metadata
// `x-request-id` (common.proto); this server interceptor reads it and makes it the logging
// request id (log::ScopedRequestId) while the handler runs, so every log line a service writes
// for that request carries it. Each call also logs one debug line ("rpc": method, code) at its
// end, under the same id.
//
// The id is scoped to the thread that runs the handler: DataMesh services use gRPC's
// synchronous API, where the interceptor chain invokes the handler from within
// Intercept()'s Proceed() on the same thread. Work a handler hands to other threads does not
// inherit the id (pass it explicitly there). Ids that are empty, longer than 128 characters or
// not printable ASCII are ignored (the call is then logged without one).
//
// Thread safety: the factory is thread-safe; each interceptor serves one call.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string_view>

namespace datamesh::server {

inline constexpr char kRequestIdMetadata[] = "x-request-id";

// True for 1..128 printable ASCII characters (0x21..0x7e).
bool IsUsableRequestId(std::string_view id);

// Creates the interceptor factory to hand to ServerBuilder::experimental().
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeRequestIdInterceptor();

}  // namespace datamesh::server
