#include "services/chunk-store/node_heartbeat.h"

#include "google/protobuf/util/time_util.h"
#include "shared/bus/bus.h"
#include "shared/log/log.h"

namespace datamesh::chunk_store {

events::v1::NodeHeartbeat MakeNodeHeartbeat(const NodeIdentity& identity,
                                            const std::string& address, const StoreUsage& usage,
                                            StoreCondition condition, bool disk_writable) {
  events::v1::NodeHeartbeat beat;
  beat.set_node_id(identity.node_id);
  beat.set_address(address);
  beat.set_zone(identity.zone);
  beat.set_capacity_bytes(usage.capacity_bytes);
  beat.set_used_bytes(usage.used_bytes);
  beat.set_shard_count(usage.shard_count);
  beat.set_operator_id(identity.operator_id);
  beat.set_version(identity.version);
  *beat.mutable_started_at() = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
      absl::ToUnixNanos(identity.started_at));
  events::v1::NodeHealth health = events::v1::NODE_HEALTH_OK;
  if (!disk_writable || condition == StoreCondition::kReadOnly) {
    health = events::v1::NODE_HEALTH_READ_ONLY;
  } else if (condition == StoreCondition::kDegraded) {
    health = events::v1::NODE_HEALTH_DEGRADED;
  }
  beat.set_health(health);
  return beat;
}

NodeHeartbeatPublisher::NodeHeartbeatPublisher(bus::Bus& bus, std::string source,
                                               NodeIdentity identity, const ShardStore& store,
                                               std::function<std::string()> address,
                                               std::function<bool()> disk_writable,
                                               std::function<void(const StoreUsage&)> on_beat,
                                               absl::Duration interval)
    : bus_(bus),
      source_(std::move(source)),
      identity_(std::move(identity)),
      store_(store),
      address_(std::move(address)),
      disk_writable_(std::move(disk_writable)),
      on_beat_(std::move(on_beat)) {
  task_ = std::make_unique<server::PeriodicTask>(interval, [this] { Beat(); });
}

NodeHeartbeatPublisher::~NodeHeartbeatPublisher() { Stop(); }

void NodeHeartbeatPublisher::Stop() {
  if (task_) task_->Stop();
}

void NodeHeartbeatPublisher::Beat() {
  const StoreUsage usage = store_.Usage();
  if (on_beat_) on_beat_(usage);
  const std::string address = address_();
  if (address.empty()) return;
  events::v1::Event event = bus::NewEvent("node.heartbeat", source_);
  *event.mutable_node_heartbeat() =
      MakeNodeHeartbeat(identity_, address, usage, store_.Condition(), disk_writable_());
  if (absl::Status s = bus_.PublishEvent(event); !s.ok()) {
    log::Debug("node heartbeat not published", {{"error", std::string(s.message())}});
  }
}

}  // namespace datamesh::chunk_store
