// ServiceDirectory: the DataMesh service instances this gateway has heard from, learned from
// the dm.v1.service.heartbeat events every instance publishes on core NATS (shared/server
// heartbeat.h). Feeds GET /admin/system. An instance counts as present while its last
// heartbeat is younger than the window given to Snapshot (a few heartbeat intervals); older
// entries are forgotten.
//
// Thread-safe: heartbeats arrive on a NATS thread while handlers read snapshots.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "datamesh/events/v1/event.pb.h"

namespace datamesh::bus {
class Bus;
class Subscription;
}  // namespace datamesh::bus

namespace datamesh::gateway {

class ServiceDirectory {
 public:
  struct Instance {
    events::v1::ServiceHeartbeat heartbeat;
    absl::Time last_seen;
  };

  ServiceDirectory() = default;
  ~ServiceDirectory();
  ServiceDirectory(const ServiceDirectory&) = delete;
  ServiceDirectory& operator=(const ServiceDirectory&) = delete;

  // Starts listening; `bus` must outlive this object.
  [[nodiscard]] absl::Status Subscribe(bus::Bus& bus);

  // Records one heartbeat received at `now`.
  void Observe(const events::v1::ServiceHeartbeat& heartbeat, absl::Time now);

  // Instances heard from within `window` before `now`, by service name, then instance id.
  std::map<std::string, std::vector<Instance>> Snapshot(absl::Time now, absl::Duration window);

 private:
  std::mutex mu_;
  // (service, instance id) -> latest heartbeat.
  std::map<std::pair<std::string, std::string>, Instance> instances_;
  std::unique_ptr<bus::Subscription> subscription_;
};

}  // namespace datamesh::gateway
