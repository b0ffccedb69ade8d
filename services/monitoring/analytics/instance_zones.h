// InstanceZones: the zone of each chunk-store instance, joined from two heartbeats. The
// service heartbeat names the instance id (the `instance` label of its series) and its gRPC
// address; the node heartbeat names the same address and the node's zone. chunk-store's
// metrics carry no zone label, so capacity forecasts per zone read it here.
//
// Thread-safe: heartbeats arrive on NATS threads while RPC threads read.
#pragma once

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "datamesh/events/v1/event.pb.h"
#include "datamesh/events/v1/node_events.pb.h"

namespace datamesh::monitoring::analytics {

class InstanceZones {
 public:
  // Records a chunk-store instance's address (other services are ignored).
  void OnServiceHeartbeat(const events::v1::ServiceHeartbeat& beat);
  // Records a node's zone by its address.
  void OnNodeHeartbeat(const events::v1::NodeHeartbeat& beat);

  // The zone of the chunk-store instance `instance`, "" when not known.
  std::string ZoneOf(const std::string& instance) const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::string> address_of_instance_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> zone_of_address_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamesh::monitoring::analytics
