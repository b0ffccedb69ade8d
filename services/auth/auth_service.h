// The gRPC adapter of the auth service: AuthService on top of the service's domain code.
//
// RPCs that are not built yet are not overridden: the generated base class answers them with
// UNIMPLEMENTED, so no caller is ever told a made-up success.
//
// Thread-safe: gRPC calls handlers concurrently.
#pragma once

#include "datamesh/auth/v1/auth.grpc.pb.h"

namespace datamesh::auth {

class AuthServiceImpl final : public auth::v1::AuthService::Service {};

}  // namespace datamesh::auth
