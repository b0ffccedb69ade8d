// Uptime of storage nodes from their heartbeats, in windows: a node is up in a 5-minute window
// when at least one of its dm.v1.node.heartbeat messages arrived in it (one row in
// governance.node_uptime_windows). Uptime is the share of windows with a row since the node's
// first window, over the last 30 days at most. Heartbeats are core NATS: a window with no row
// means nobody heard the node, whichever side was away.
//
// Every replica records what it hears (the insert is idempotent), so windows survive a
// replica's restart. OnHeartbeat writes once per node and window (remembered in memory).
//
// Thread-safe: OnHeartbeat runs on the bus's thread, the rest on the caller's.
#pragma once

#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/pg/pool.h"

namespace datamesh::governance::audits {

inline constexpr absl::Duration kUptimeWindow = absl::Minutes(5);
inline constexpr absl::Duration kUptimeHorizon = absl::Hours(24 * 30);

// The start of the window holding `at`.
absl::Time WindowStart(absl::Time at);

class UptimeWindows {
 public:
  explicit UptimeWindows(pg::Pool& pool) : pool_(pool) {}

  // A heartbeat of `node_id` (64 lowercase hex; others ignored) heard at `at`. A failed insert
  // is logged and retried at the node's next heartbeat.
  void OnHeartbeat(const std::string& node_id, absl::Time at);

  // Deletes windows older than the horizon; how many.
  [[nodiscard]] absl::StatusOr<int64_t> Prune(absl::Time now);

  // The node's uptime in [0, 1] at `now`; 0 for a node never heard.
  static double Uptime(pqxx::work& tx, const std::string& node_id, absl::Time now);
  // The windows behind Uptime: those with a heartbeat, and all since the node's first (both
  // within the horizon); {0, 0} for a node never heard.
  struct Windows {
    int64_t up = 0;
    int64_t total = 0;
  };
  static Windows Count(pqxx::work& tx, const std::string& node_id, absl::Time now);

 private:
  pg::Pool& pool_;
  std::mutex mu_;
  std::map<std::string, absl::Time> recorded_;  // node -> the last window written
};

}  // namespace datamesh::governance::audits
