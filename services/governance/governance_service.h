// The gRPC adapter of the governance service: GovernanceService on top of the service's domain
// code.
//
// RPCs that are not built yet are not overridden: the generated base class answers them with
// UNIMPLEMENTED, so no caller is ever told a made-up success.
//
// Thread-safe: gRPC calls handlers concurrently.
#pragma once

#include "datamesh/governance/v1/governance.grpc.pb.h"

namespace datamesh::governance {

class GovernanceServiceImpl final : public governance::v1::GovernanceService::Service {};

}  // namespace datamesh::governance
