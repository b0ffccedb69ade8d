// NodeStore: the dht's PostgreSQL table of storage nodes (schema `dht`, table `nodes`).
//
// State changes are conditional UPDATEs: with several dht replicas observing the same
// heartbeats, exactly one finds the row in the old state, and only that one runs the caller's
// `on_change` (which publishes node.up / node.down) inside the same transaction. If `on_change`
// fails, the transaction rolls back and the change is left for the next attempt, so an event is
// published at least once per recorded change (a commit failing after the publish repeats it).
//
// Thread-safe (the pool is); the Pool must outlive the store.
#pragma once

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/dht/node.h"
#include "shared/pg/pool.h"

namespace datamesh::dht {

class NodeStore {
 public:
  explicit NodeStore(pg::Pool& pool) : pool_(pool) {}

  // Every known node.
  absl::StatusOr<std::vector<NodeInfo>> LoadAll();

  struct Registration {
    bool inserted = false;             // this call created the row
    NodeState state = NodeState::kUp;  // the row's state afterwards
  };
  // Creates the row of a node seen for the first time (state up), running `on_insert` in the
  // same transaction when this call created it. An existing row only gets a later last_seen.
  absl::StatusOr<Registration> Register(const NodeInfo& node,
                                        const std::function<absl::Status()>& on_insert);

  // Sets the state of `id` to `to` unless it already is; when this call changed it, runs
  // `on_change(previous state_changed_at)` in the same transaction. Returns whether it changed.
  // NOT_FOUND when there is no row.
  absl::StatusOr<bool> Transition(const NodeId& id, NodeState to,
                                  const std::function<absl::Status(absl::Time)>& on_change);

  // Saves the heartbeat fields and last_seen of `nodes` (not their state) in one transaction.
  [[nodiscard]] absl::Status SaveDetails(const std::vector<NodeInfo>& nodes);

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::dht
