// A request message the server cannot parse — a `string` field that is not UTF-8, truncated or
// garbled bytes — is the client's error, but gRPC's protobuf codec answers it with INTERNAL and
// an empty message, before any handler runs (grpcpp/impl/codegen/proto_utils.h). This server
// interceptor turns exactly that answer into INVALID_ARGUMENT with a message that says so, so a
// bad request never looks like a server fault. DataMesh handlers never answer INTERNAL without
// a message (shared/status SanitizeForClient keeps one), so nothing else is rewritten.
//
// Thread safety: the factory is thread-safe; each interceptor serves one call.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <memory>

namespace datamesh::server {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeMalformedRequestInterceptor();

}  // namespace datamesh::server
