#include "services/monitoring/analytics/instance_zones.h"

namespace datamesh::monitoring::analytics {

void InstanceZones::OnServiceHeartbeat(const events::v1::ServiceHeartbeat& beat) {
  if (beat.service() != "chunk-store" || beat.grpc_address().empty()) return;
  absl::MutexLock lock(&mu_);
  // A few entries per chunk-store process ever started: restarts add one each, which is small
  // next to everything else the service keeps per instance.
  address_of_instance_[beat.instance_id()] = beat.grpc_address();
}

void InstanceZones::OnNodeHeartbeat(const events::v1::NodeHeartbeat& beat) {
  if (beat.address().empty()) return;
  absl::MutexLock lock(&mu_);
  zone_of_address_[beat.address()] = beat.zone();
}

std::string InstanceZones::ZoneOf(const std::string& instance) const {
  absl::MutexLock lock(&mu_);
  auto a = address_of_instance_.find(instance);
  if (a == address_of_instance_.end()) return "";
  auto z = zone_of_address_.find(a->second);
  return z == zone_of_address_.end() ? "" : z->second;
}

}  // namespace datamesh::monitoring::analytics
