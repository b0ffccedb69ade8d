// BusMetrics: the process's NATS connection and its durable consumers as Prometheus series,
// refreshed on a thread of its own every `interval`:
//
//   datamesh_bus_disconnects_total, _reconnects_total, _malformed_dropped_total,
//   _handler_failures_total, _ack_failures_total, _duplicate_publishes_total,
//   _async_errors_total, _fetch_errors_total          the Bus's counters (BusStats)
//   datamesh_bus_consumer_pending{stream,consumer}      events the durable has not been handed
//   datamesh_bus_consumer_ack_pending{stream,consumer}  handed out, not yet acknowledged
//
// The consumer figures are the JetStream server's view of the durable (every replica sharing it
// reports the same numbers: aggregate with max, not sum). A consumer whose state cannot be read
// keeps its last figures until the next refresh; one no longer running loses its series.
//
// Thread-safe; the Bus and the registry must outlive it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "shared/bus/bus.h"
#include "shared/server/periodic_task.h"

namespace datamesh::server {

class BusMetrics {
 public:
  BusMetrics(bus::Bus& bus, prometheus::Registry& registry, absl::Duration interval);
  ~BusMetrics();  // Stop()

  // Stops the refresh thread. Idempotent.
  void Stop();
  // One refresh now, on the caller's thread (tests; the thread does the same).
  void Refresh();

 private:
  using ConsumerKey = std::pair<std::string, std::string>;  // stream, durable
  struct ConsumerGauges {
    prometheus::Gauge* pending;
    prometheus::Gauge* ack_pending;
  };
  struct Counters;

  void RefreshCounters();
  void RefreshConsumers();

  bus::Bus& bus_;
  prometheus::Family<prometheus::Gauge>& pending_;
  prometheus::Family<prometheus::Gauge>& ack_pending_;
  std::unique_ptr<Counters> counters_;
  std::mutex mu_;  // Refresh may run on the task's thread and a test's at once
  std::map<ConsumerKey, ConsumerGauges> consumers_;
  std::unique_ptr<PeriodicTask> task_;
};

}  // namespace datamesh::server
