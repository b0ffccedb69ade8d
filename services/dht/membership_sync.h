// MembershipSync: keeps one dht replica's Membership in step with the world — heartbeats in,
// silent nodes declared down, state changes recorded in PostgreSQL and announced on the bus,
// counters written behind in batches.
//
// All store writes and event publications happen in RunOnce, which the owner calls from a
// single thread (a PeriodicTask, triggered early when a heartbeat brings news), so one replica
// never races itself. Replicas race each other only through NodeStore's conditional updates,
// which let exactly one of them publish each node.up / node.down. A failed write or publish
// leaves the change pending; the next round retries it.
//
// Thread safety: OnHeartbeat may be called from any thread concurrently with RunOnce; RunOnce
// must not run concurrently with itself. The Membership and NodeStore must outlive this object.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "datamesh/events/v1/event.pb.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/dht/membership.h"
#include "services/dht/node_store.h"

namespace datamesh::dht {

struct SyncOptions {
  // A node silent for longer is declared down.
  absl::Duration node_timeout = absl::Seconds(15);
  // How often counters (used bytes, shard count, last_seen) are written behind.
  absl::Duration flush_interval = absl::Seconds(10);
};

class MembershipSync {
 public:
  // Publishes one event durably (Bus::PublishDurable in the service).
  using Publisher = std::function<absl::Status(const events::v1::Event&)>;

  MembershipSync(Membership& membership, NodeStore& store, Publisher publish, std::string source,
                 SyncOptions options, prometheus::Registry& metrics);

  // Applies a node.heartbeat event received at `now`. Returns true when it brought news (a new
  // node, a return, changed details) that RunOnce should record at once. Malformed heartbeats
  // are dropped and logged.
  bool OnHeartbeat(const events::v1::Event& event, absl::Time now);

  // One round: expire silent nodes, record pending state changes, write counters when due.
  void RunOnce(absl::Time now);

  // Writes the counters not yet saved now (at shutdown); on failure they stay pending.
  void Flush(absl::Time now);

 private:
  void Record(const Membership::Pending& pending, absl::Time now);
  absl::Status RecordTransition(const NodeInfo& node, absl::Time now);

  Membership& membership_;
  NodeStore& store_;
  const Publisher publish_;
  const std::string source_;
  const SyncOptions options_;
  absl::Time last_flush_ = absl::InfinitePast();
  bool flush_now_ = false;  // touched only by RunOnce's thread (set from the news flag)
  std::atomic<bool> news_{false};

  prometheus::Counter& heartbeats_;
  prometheus::Counter& malformed_;
  prometheus::Family<prometheus::Counter>& published_;
  prometheus::Counter& store_errors_;
  prometheus::Gauge& nodes_up_;
  prometheus::Gauge& nodes_down_;
};

}  // namespace datamesh::dht
