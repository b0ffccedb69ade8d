#include "services/gateway/limits/edge_metrics.h"

#include <malloc.h>

#include <string>

namespace datamesh::gateway {
namespace {

prometheus::Gauge& NewGauge(prometheus::Registry& r, const std::string& name,
                            const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

prometheus::Counter& NewCounter(prometheus::Registry& r, const std::string& name,
                                const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}

}  // namespace

EdgeMetrics::EdgeMetrics(prometheus::Registry& r, const http::HttpServer& server,
                         const TransferSlots& transfers)
    : server_(server),
      transfers_(transfers),
      connections_(NewGauge(r, "datamesh_gateway_http_connections", "Open HTTP connections")),
      refused_(NewCounter(r, "datamesh_gateway_http_connections_refused_total",
                          "Connections refused past --max-connections")),
      slow_cut_(NewCounter(r, "datamesh_gateway_http_slow_clients_cut_total",
                           "Transfers cut for moving fewer than --min-transfer-bytes")),
      timeouts_(NewCounter(r, "datamesh_gateway_http_timeouts_total",
                           "Connections ended by a header, idle, request or I/O timeout")),
      threads_(NewGauge(r, "datamesh_gateway_http_handler_threads", "Handler threads started")),
      busy_(NewGauge(r, "datamesh_gateway_http_handlers_busy", "Handlers running a request")),
      queued_(NewGauge(r, "datamesh_gateway_http_handlers_queued",
                       "Requests waiting for a handler thread")),
      transfers_in_flight_(
          NewGauge(r, "datamesh_gateway_transfers_in_flight", "Uploads and downloads in flight")),
      transfers_refused_(NewCounter(r, "datamesh_gateway_transfers_refused_total",
                                    "Transfers refused past --max-transfers-per-user")),
      task_(std::make_unique<server::PeriodicTask>(absl::Seconds(1), [this] { Sample(); })) {}

void EdgeMetrics::Stop() {
  if (task_) task_->Stop();
}

void EdgeMetrics::Follow(prometheus::Counter& counter, uint64_t total) {
  const double now = static_cast<double>(total);
  if (now > counter.Value()) counter.Increment(now - counter.Value());
}

void EdgeMetrics::Sample() {
  const http::HttpServer::Stats s = server_.stats();
  // After a crowd of transfers has gone, glibc keeps their freed buffers in its arenas; hand
  // the free pages back every few seconds (cheap when there is little to return).
  if (++samples_ % 10 == 0) malloc_trim(0);
  connections_.Set(static_cast<double>(s.connections_open));
  Follow(refused_, s.connections_refused);
  Follow(slow_cut_, s.slow_clients_cut);
  Follow(timeouts_, s.timeouts);
  threads_.Set(static_cast<double>(s.handler_threads));
  busy_.Set(static_cast<double>(s.handlers_busy));
  queued_.Set(static_cast<double>(s.handlers_queued));
  transfers_in_flight_.Set(static_cast<double>(transfers_.in_flight()));
  Follow(transfers_refused_, static_cast<uint64_t>(transfers_.refused()));
}

}  // namespace datamesh::gateway
