#include "shared/server/runtime.h"

namespace datamesh::server {

Runtime::Runtime(std::string service, std::string version, std::string instance_id,
                 const CommonOptions& options, std::shared_ptr<prometheus::Registry> registry)
    : service_(std::move(service)),
      version_(std::move(version)),
      instance_id_(std::move(instance_id)),
      options_(options),
      registry_(std::move(registry)),
      readiness_(*registry_, service_) {}

std::string Runtime::grpc_address() const {
  std::lock_guard<std::mutex> lock(address_mu_);
  return grpc_address_;
}

}  // namespace datamesh::server
