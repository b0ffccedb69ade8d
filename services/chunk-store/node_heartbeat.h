// Publishes dm.v1.node.heartbeat (events.v1.NodeHeartbeat) for this storage node every
// interval over core NATS: identity, address, zone, capacity, usage and health. dht builds
// membership from these beats; a lost one is replaced by the next, nothing is retried.
//
// Ownership: borrows the bus and the store, which must outlive the publisher.
// Thread-safe: Stop() from any thread; beats run on the publisher's own thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "datamesh/events/v1/node_events.pb.h"
#include "services/chunk-store/shard_store.h"
#include "shared/server/periodic_task.h"

namespace datamesh::bus {
class Bus;
}

namespace datamesh::chunk_store {

// What a node says about itself that does not change while it runs.
struct NodeIdentity {
  std::string node_id;  // 64 lowercase hex chars
  std::string zone;
  std::string operator_id;  // may be empty
  std::string version;
  absl::Time started_at;
};

// The heartbeat payload for the given state. `disk_writable` false means READ_ONLY.
events::v1::NodeHeartbeat MakeNodeHeartbeat(const NodeIdentity& identity,
                                            const std::string& address, const StoreUsage& usage,
                                            StoreCondition condition, bool disk_writable);

class NodeHeartbeatPublisher {
 public:
  // `address` is asked at every beat (empty until the gRPC server listens: no beat is sent
  // then, as a node without an address cannot be placed); `disk_writable` likewise; `on_beat`
  // (optional) sees the usage each beat reports, e.g. to refresh gauges.
  NodeHeartbeatPublisher(bus::Bus& bus, std::string source, NodeIdentity identity,
                         const ShardStore& store, std::function<std::string()> address,
                         std::function<bool()> disk_writable,
                         std::function<void(const StoreUsage&)> on_beat, absl::Duration interval);
  ~NodeHeartbeatPublisher();
  void Stop();

 private:
  void Beat();

  bus::Bus& bus_;
  const std::string source_;
  const NodeIdentity identity_;
  const ShardStore& store_;
  const std::function<std::string()> address_;
  const std::function<bool()> disk_writable_;
  const std::function<void(const StoreUsage&)> on_beat_;
  std::unique_ptr<server::PeriodicTask> task_;
};

}  // namespace datamesh::chunk_store
