// Runtime: what a service's build function receives from the bootstrap — its identity,
// options, connected dependencies, metrics registry — and the hooks through which it plugs its
// gRPC services and readiness checks in. The bootstrap owns everything reachable from here and
// tears it down in reverse order of construction after the service's parts are gone.
//
// Accessors are thread-safe; Add* calls are made from the build function only.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "prometheus/registry.h"
#include "shared/server/common_options.h"
#include "shared/server/readiness.h"

namespace grpc {
class Service;
class AsyncGenericService;
}  // namespace grpc

namespace datamesh::bus {
class Bus;
}
namespace datamesh::pg {
class Pool;
}
namespace datamesh::redis {
class RedisPool;
}

namespace datamesh::server {

class Runtime {
 public:
  Runtime(std::string service, std::string version, std::string instance_id,
          const CommonOptions& options, std::shared_ptr<prometheus::Registry> registry);

  const std::string& service_name() const { return service_; }
  const std::string& version() const { return version_; }
  const std::string& instance_id() const { return instance_id_; }
  // "service/instance-id": the `source` of events this instance publishes.
  std::string source() const { return service_ + "/" + instance_id_; }
  const CommonOptions& options() const { return options_; }

  // Dependencies; each is non-null exactly when the service definition asked for it.
  bus::Bus* bus() const { return bus_; }
  pg::Pool* pg() const { return pg_; }
  redis::RedisPool* redis() const { return redis_; }

  prometheus::Registry& metrics() const { return *registry_; }
  Readiness& readiness() { return readiness_; }
  const Readiness& readiness() const { return readiness_; }

  // Registers a gRPC service. Not owned: the service's parts own it and outlive the server.
  void AddGrpcService(grpc::Service* service) { grpc_services_.push_back(service); }
  const std::vector<grpc::Service*>& grpc_services() const { return grpc_services_; }

  // Whether the instance currently passes all readiness checks.
  bool ready() const { return readiness_.ready(); }

  // The advertised host:port of this instance's gRPC server (what heartbeats carry). Empty
  // until the server is listening, i.e. during the build function; background work started
  // there may read it later.
  std::string grpc_address() const;

 private:
  friend class ServiceRunner;

  const std::string service_;
  const std::string version_;
  const std::string instance_id_;
  const CommonOptions options_;
  std::shared_ptr<prometheus::Registry> registry_;
  Readiness readiness_;
  bus::Bus* bus_ = nullptr;
  pg::Pool* pg_ = nullptr;
  redis::RedisPool* redis_ = nullptr;
  std::vector<grpc::Service*> grpc_services_;
  mutable std::mutex address_mu_;
  std::string grpc_address_;
};

}  // namespace datamesh::server
