// What storage nodes do during an epoch, as this governance instance hears it: every
// node.heartbeat (core NATS, every few seconds per chunk-store) credits the node with the
// seconds since its previous heartbeat as uptime, and with the used bytes it reported then
// times those seconds as byte-seconds. A gap longer than `max_gap` (the node was down, or this
// instance was) credits nothing. Deltas are kept in memory and added to the open epoch's rows
// of governance.node_epoch_usage by Flush, which the worker calls every tick.
//
// Every replica hears every heartbeat and keeps its own rows (keyed by instance id); the close
// takes each node's largest figures, so replicas never double-count. Deltas heard before an
// epoch closes but flushed after it count for the next epoch (at most one tick's worth).
//
// Thread-safe: OnHeartbeat runs on the bus's thread, Flush on the worker's.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace datamesh::pg {
class Pool;
}

namespace datamesh::governance::epochs {

class NodeUsageRecorder {
 public:
  struct Options {
    std::string instance_id;                     // this process's row key
    absl::Duration max_gap = absl::Seconds(30);  // longer silences count as down
  };
  explicit NodeUsageRecorder(Options options) : options_(std::move(options)) {}

  // One heartbeat of `node_id` (64 lowercase hex; others are ignored) heard at `at`.
  void OnHeartbeat(const std::string& node_id, uint64_t used_bytes, absl::Time at);

  // Adds the deltas heard since the last flush to the open epoch's rows, in one statement; on
  // failure they are kept for the next flush. Nothing to do (or no open epoch): OK.
  absl::Status Flush(pg::Pool& pg);

 private:
  struct NodeState {
    absl::Time last_seen = absl::InfinitePast();
    uint64_t last_used_bytes = 0;
    int64_t up_micros = 0;               // since the last flush
    unsigned __int128 byte_seconds = 0;  // since the last flush
  };

  const Options options_;
  absl::Mutex mu_;
  std::map<std::string, NodeState> nodes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamesh::governance::epochs
