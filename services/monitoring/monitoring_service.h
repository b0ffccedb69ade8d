// The gRPC adapter of the monitoring service: MonitoringService on top of the service's domain
// code.
//
// RPCs that are not built yet are not overridden: the generated base class answers them with
// UNIMPLEMENTED, so no caller is ever told a made-up success.
//
// Thread-safe: gRPC calls handlers concurrently.
#pragma once

#include "datamesh/monitoring/v1/monitoring.grpc.pb.h"

namespace datamesh::monitoring {

class MonitoringServiceImpl final : public monitoring::v1::MonitoringService::Service {};

}  // namespace datamesh::monitoring
