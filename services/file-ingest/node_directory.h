// NodeDirectory: where each storage node can be reached now. Manifests name a shard's node by
// id; the address they keep beside it is only where the node was when the shard was written.
// A node that comes back on another address (a pod rescheduled, a port changed) is reached at
// its new one: addresses come from the dht's node list, cached here and re-read
//   - when the cache is older than `max_age`, or an id it does not know is asked for (at most
//     once per `min_gap` overall; a caller finding another refresh running does not wait);
//   - when a call to a node finds it unreachable (Failed): at most once per `failure_gap` for
//     that node, so a dead node cannot turn every read into a dht call, while a node that just
//     moved is found by its first failure after that gap, even if another node's failure
//     refreshed the list a moment before. Failed waits for a refresh already running, then reads
//     the list itself.
// Until a refresh answers (dht down at start), the manifest's address is used.
//
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/file-ingest/shard_backend.h"

namespace datamesh::file_ingest {

class NodeDirectory {
 public:
  // Every node the dht knows, in any state.
  using Lister = std::function<absl::StatusOr<std::vector<NodeRef>>()>;
  using Clock = std::function<absl::Time()>;

  NodeDirectory(Lister list, absl::Duration max_age, absl::Duration min_gap,
                absl::Duration failure_gap, Clock clock = absl::Now);

  // The address to reach `node` at: the dht's, else the one the manifest recorded.
  std::string AddressOf(const NodeRef& node);
  // A call to `node` found nothing listening (or timed out): its address may have changed.
  void Failed(const NodeRef& node);
  // The dht just named this address for the node (a placement answer).
  void Learn(const NodeRef& node);
  // Re-reads the node list now (a node.up event, tests).
  void Refresh();

 private:
  // Reads the list and stores it; the caller holds refresh_mu_.
  void ReadList();

  const Lister list_;
  const absl::Duration max_age_;
  const absl::Duration min_gap_;
  const absl::Duration failure_gap_;
  const Clock clock_;
  std::mutex refresh_mu_;  // one dht read at a time; never taken while holding mu_
  std::mutex mu_;
  std::map<std::string, std::string> address_;  // node id -> address
  absl::Time refreshed_at_ = absl::InfinitePast();
  absl::Time tried_at_ = absl::InfinitePast();
  std::map<std::string, absl::Time> failed_at_;  // node id -> last refresh its failure caused
};

}  // namespace datamesh::file_ingest
