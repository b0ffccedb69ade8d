#include "shared/server/heartbeat.h"

#include "shared/bus/bus.h"
#include "shared/log/log.h"

namespace datamesh::server {

HeartbeatPublisher::HeartbeatPublisher(bus::Bus& bus, std::string source,
                                       events::v1::ServiceHeartbeat beat,
                                       std::function<bool()> serving, absl::Duration interval)
    : bus_(bus), source_(std::move(source)), beat_(std::move(beat)), serving_(std::move(serving)) {
  task_ = std::make_unique<PeriodicTask>(interval, [this] { Beat(); });
}

HeartbeatPublisher::~HeartbeatPublisher() { Stop(); }

void HeartbeatPublisher::Stop() {
  if (task_) task_->Stop();
}

void HeartbeatPublisher::Beat() {
  events::v1::Event event = bus::NewEvent("service.heartbeat", source_);
  *event.mutable_service_heartbeat() = beat_;
  event.mutable_service_heartbeat()->set_serving(serving_());
  if (absl::Status s = bus_.PublishEvent(event); !s.ok()) {
    log::Debug("heartbeat not published", {{"error", std::string(s.message())}});
  }
}

}  // namespace datamesh::server
