// Publishes dm.v1.service.heartbeat for this instance every interval over core NATS, so
// monitoring discovers instances and notices silent ones. A missed heartbeat is replaced by the
// next one; nothing is retried.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "datamesh/events/v1/event.pb.h"
#include "shared/server/periodic_task.h"

namespace datamesh::bus {
class Bus;
}

namespace datamesh::server {

class HeartbeatPublisher {
 public:
  // `beat` is the constant part of the heartbeat; `serving` is asked at every beat. `bus`
  // must outlive the publisher.
  HeartbeatPublisher(bus::Bus& bus, std::string source, events::v1::ServiceHeartbeat beat,
                     std::function<bool()> serving, absl::Duration interval);
  ~HeartbeatPublisher();
  void Stop();

 private:
  void Beat();

  bus::Bus& bus_;
  const std::string source_;
  const events::v1::ServiceHeartbeat beat_;
  const std::function<bool()> serving_;
  std::unique_ptr<PeriodicTask> task_;
};

}  // namespace datamesh::server
