#include "services/gateway/upstream/service_directory.h"

#include "absl/time/clock.h"
#include "shared/bus/bus.h"

namespace datamesh::gateway {

ServiceDirectory::~ServiceDirectory() {
  // Stop deliveries before the map they write to goes away.
  subscription_.reset();
}

absl::Status ServiceDirectory::Subscribe(bus::Bus& bus) {
  auto sub = bus.SubscribeEvents(bus::SubjectFor("service.heartbeat"), "",
                                 [this](const events::v1::Event& event) {
                                   if (!event.has_service_heartbeat()) return;
                                   Observe(event.service_heartbeat(), absl::Now());
                                 });
  if (!sub.ok()) return sub.status();
  subscription_ = *std::move(sub);
  return absl::OkStatus();
}

void ServiceDirectory::Observe(const events::v1::ServiceHeartbeat& heartbeat, absl::Time now) {
  if (heartbeat.service().empty() || heartbeat.instance_id().empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  instances_[{heartbeat.service(), heartbeat.instance_id()}] = Instance{heartbeat, now};
}

std::map<std::string, std::vector<ServiceDirectory::Instance>> ServiceDirectory::Snapshot(
    absl::Time now, absl::Duration window) {
  std::map<std::string, std::vector<Instance>> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = instances_.begin(); it != instances_.end();) {
    if (now - it->second.last_seen > window) {
      it = instances_.erase(it);  // gone quiet: forget it, so the map cannot grow forever
      continue;
    }
    out[it->first.first].push_back(it->second);
    ++it;
  }
  return out;
}

}  // namespace datamesh::gateway
