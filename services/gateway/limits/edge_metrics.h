// EdgeMetrics: the HTTP edge's own state as Prometheus series, sampled once a second from the
// server's counters and the transfer slots (and, every 10 s, free heap pages returned to the
// system):
//   datamesh_gateway_http_connections            open connections
//   datamesh_gateway_http_connections_refused_total  refused past --max-connections
//   datamesh_gateway_http_slow_clients_cut_total  cut under --min-transfer-bytes
//   datamesh_gateway_http_timeouts_total          header, idle, request or single-I/O timeouts
//   datamesh_gateway_http_handler_threads, _handlers_busy, _handlers_queued
//   datamesh_gateway_transfers_in_flight, datamesh_gateway_transfers_refused_total
//
// Thread safety: Stop may be called from any thread; the server and slots must outlive Stop.
#pragma once

#include <cstdint>
#include <memory>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/gateway/http/http_server.h"
#include "services/gateway/limits/transfer_slots.h"
#include "shared/server/periodic_task.h"

namespace datamesh::gateway {

class EdgeMetrics {
 public:
  EdgeMetrics(prometheus::Registry& registry, const http::HttpServer& server,
              const TransferSlots& transfers);
  ~EdgeMetrics() { Stop(); }
  void Stop();

 private:
  // Moves a counter up to a total read from elsewhere (totals only grow).
  static void Follow(prometheus::Counter& counter, uint64_t total);
  void Sample();

  const http::HttpServer& server_;
  const TransferSlots& transfers_;
  prometheus::Gauge& connections_;
  prometheus::Counter& refused_;
  prometheus::Counter& slow_cut_;
  prometheus::Counter& timeouts_;
  prometheus::Gauge& threads_;
  prometheus::Gauge& busy_;
  prometheus::Gauge& queued_;
  prometheus::Gauge& transfers_in_flight_;
  prometheus::Counter& transfers_refused_;
  uint64_t samples_ = 0;
  std::unique_ptr<server::PeriodicTask> task_;  // last: started once the series exist
};

}  // namespace datamesh::gateway
