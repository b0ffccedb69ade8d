// Membership: one dht replica's view of the storage nodes — every node it knows (up or down),
// the Kademlia routing table of the up ones, and the bookkeeping that keeps PostgreSQL in step
// (which nodes still need their existence or state recorded, which have unsaved counters).
//
// It only decides; it does no I/O. MembershipSync feeds it heartbeats and the clock and writes
// what it reports to the store and the bus.
//
// Liveness: a node is up while heartbeats arrive; ExpireSilent declares down the nodes silent
// for longer than the timeout. Nodes loaded at start get a fresh clock (the later of their
// recorded last_seen and the load time), so a restart of dht does not declare the whole network
// down before the nodes had a chance to beat.
//
// Thread-safe: every method takes the internal mutex; results are copies.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/dht/node.h"
#include "services/dht/routing_table.h"

namespace datamesh::dht {

class Membership {
 public:
  // What a heartbeat changed.
  enum class Change {
    kCounters,  // only used bytes, shard count or last_seen
    kDetails,   // address, zone, capacity, health or operator changed
    kJoined,    // a node never seen before
    kReturned,  // a node that was down is up again
  };

  explicit Membership(const NodeId& local_id) : routing_(local_id) {}

  // Replaces the view with the persisted nodes (their state counts as recorded).
  void Load(const std::vector<NodeInfo>& nodes, absl::Time now);

  // Applies one heartbeat (`beat` carries the node's reported fields; state and times are
  // ignored) received at `now`.
  Change Observe(const NodeInfo& beat, absl::Time now);

  // Declares down every up node whose last heartbeat is older than now - timeout; returns them.
  std::vector<NodeInfo> ExpireSilent(absl::Time now, absl::Duration timeout);

  // Nodes whose existence (never recorded) or current state is not yet recorded in the store.
  struct Pending {
    NodeInfo node;
    bool registered = false;  // the store has a row for it
  };
  std::vector<Pending> PendingTransitions() const;
  // The store now has a row for `id` in `state`. Clears the pending mark unless the node has
  // changed state again meanwhile.
  void MarkRecorded(const NodeId& id, NodeState state);

  // Registered nodes with heartbeat data not yet saved; clears their marks.
  std::vector<NodeInfo> TakeDirty();
  // Marks nodes dirty again after a failed save.
  void MarkDirty(const std::vector<NodeInfo>& nodes);

  std::optional<NodeInfo> Get(const NodeId& id) const;
  std::vector<NodeInfo> UpNodes() const;
  // Up to `count` known nodes nearest `key`, whatever their state, nearest first: up nodes come
  // from the routing table, down ones (few) are ranked directly.
  std::vector<NodeInfo> Nearest(const NodeId& key, size_t count) const;
  // Nodes ordered by id with id > `after` (all when nullopt), optionally in one state; at most
  // `limit`. `*more` says whether further nodes match.
  std::vector<NodeInfo> List(std::optional<NodeState> state, const std::optional<NodeId>& after,
                             size_t limit, bool* more) const;
  size_t Count(NodeState state) const;

 private:
  struct Entry {
    NodeInfo info;
    absl::Time liveness_since;          // last heartbeat, or load time when later
    bool registered = false;            // the store has a row
    std::optional<NodeState> recorded;  // state the store holds, when known
    bool dirty = false;                 // heartbeat data not yet saved
  };

  mutable absl::Mutex mu_;
  std::map<NodeId, Entry> nodes_ ABSL_GUARDED_BY(mu_);
  RoutingTable routing_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamesh::dht
