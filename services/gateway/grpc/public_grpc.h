// The gateway's public gRPC endpoint: FileService, AuthService, QuotaService and
// GovernanceService served on the runtime's gRPC server (--grpc-addr / DM_GRPC_ADDR, 9090 in
// Helm) next to grpc.health.v1 and reflection, behind the same authentication, rate limit and
// error mapping as REST. Monitoring is not registered (gRPC answers UNIMPLEMENTED for it).
//
// Ownership: owns the four services; must outlive the runtime's gRPC server (the service's
// parts do). Thread-safe once registered.
#pragma once

#include "services/gateway/grpc/public_auth_service.h"
#include "services/gateway/grpc/public_file_service.h"
#include "services/gateway/grpc/public_governance_service.h"
#include "services/gateway/grpc/public_quota_service.h"
#include "services/gateway/routes/api_context.h"
#include "shared/server/runtime.h"

namespace datamesh::gateway::public_grpc {

class PublicGrpcServices {
 public:
  // `ctx` and `governance` must outlive this object.
  PublicGrpcServices(const ApiContext& ctx, GovernanceClient& governance)
      : file_(ctx), auth_(ctx), quota_(ctx), governance_(ctx, governance) {}

  // Adds the services to `runtime`'s gRPC server (call from the build function).
  void Register(server::Runtime& runtime);

 private:
  PublicFileService file_;
  PublicAuthService auth_;
  PublicQuotaService quota_;
  PublicGovernanceService governance_;
};

}  // namespace datamesh::gateway::public_grpc
