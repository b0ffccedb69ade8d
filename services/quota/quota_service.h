// The gRPC adapter of the quota service: QuotaService on top of the service's domain code.
//
// RPCs that are not built yet are not overridden: the generated base class answers them with
// UNIMPLEMENTED, so no caller is ever told a made-up success.
//
// Thread-safe: gRPC calls handlers concurrently.
#pragma once

#include "datamesh/quota/v1/quota.grpc.pb.h"

namespace datamesh::quota {

class QuotaServiceImpl final : public quota::v1::QuotaService::Service {};

}  // namespace datamesh::quota
