// The gateway's public gRPC endpoint: FileService, AuthService and QuotaService served on the
// runtime's gRPC server (--grpc-addr / DM_GRPC_ADDR, 9090 in Helm) next to grpc.health.v1 and
// reflection, behind the same authentication, rate limit and error mapping as REST.
// Monitoring and governance are not registered (gRPC answers UNIMPLEMENTED for them).
//
// Ownership: owns the three services; must outlive the runtime's gRPC server (the service's
// parts do). Thread-safe once registered.
#pragma once

#include "services/gateway/grpc/public_auth_service.h"
#include "services/gateway/grpc/public_file_service.h"
#include "services/gateway/grpc/public_quota_service.h"
#include "services/gateway/routes/api_context.h"
#include "shared/server/runtime.h"

namespace datamesh::gateway::public_grpc {

class PublicGrpcServices {
 public:
  // `ctx` must outlive this object.
  explicit PublicGrpcServices(const ApiContext& ctx) : file_(ctx), auth_(ctx), quota_(ctx) {}

  // Adds the services to `runtime`'s gRPC server (call from the build function).
  void Register(server::Runtime& runtime);

 private:
  PublicFileService file_;
  PublicAuthService auth_;
  PublicQuotaService quota_;
};

}  // namespace datamesh::gateway::public_grpc
