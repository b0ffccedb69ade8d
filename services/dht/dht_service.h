// The gRPC adapter of the dht service: DhtService on top of the service's domain code.
//
// RPCs that are not built yet are not overridden: the generated base class answers them with
// UNIMPLEMENTED, so no caller is ever told a made-up success.
//
// Thread-safe: gRPC calls handlers concurrently.
#pragma once

#include "datamesh/dht/v1/dht.grpc.pb.h"

namespace datamesh::dht {

class DhtServiceImpl final : public dht::v1::DhtService::Service {};

}  // namespace datamesh::dht
