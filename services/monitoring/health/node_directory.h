// NodeDirectory: the storage nodes heard from on dm.v1.node.heartbeat, for the health view. A
// node heard within the expiry (three heartbeat intervals in the service) is "up"; one silent
// longer is "down" until it has been silent for `forget_after` (an hour), then forgotten.
//
// Thread-safe: heartbeats arrive on a NATS thread while RPC threads read.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "datamesh/events/v1/node_events.pb.h"

namespace datamesh::monitoring::health {

struct NodeInfo {
  std::string id;
  std::string address;
  std::string zone;
  uint64_t capacity_bytes = 0;
  uint64_t used_bytes = 0;
  bool up = false;
};

class NodeDirectory {
 public:
  NodeDirectory(absl::Duration expiry, absl::Duration forget_after)
      : expiry_(expiry), forget_after_(forget_after) {}

  // False (and ignored) when the heartbeat names no node.
  bool OnHeartbeat(const events::v1::NodeHeartbeat& beat, absl::Time now);

  // The nodes known at `now`, ordered by id (forgetting those silent past `forget_after`).
  std::vector<NodeInfo> Nodes(absl::Time now);

 private:
  const absl::Duration expiry_;
  const absl::Duration forget_after_;
  absl::Mutex mu_;
  std::map<std::string, std::pair<NodeInfo, absl::Time>> nodes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamesh::monitoring::health
