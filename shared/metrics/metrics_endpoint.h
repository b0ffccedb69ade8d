// MetricsEndpoint: serves a Prometheus registry at http://<addr>/metrics (prometheus-cpp's
// civetweb-based Exposer). Every service runs one on its admin port; Prometheus and the
// monitoring service scrape it.
//
// Thread-safe after construction; the registry is shared with whoever records into it.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"

namespace prometheus {
class Exposer;
}

namespace datamesh::metrics {

class MetricsEndpoint {
 public:
  // Binds `address` ("host:port"); UNAVAILABLE when the port cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& address, std::shared_ptr<prometheus::Registry> registry);
  ~MetricsEndpoint();

  // The port actually bound.
  int port() const { return port_; }

 private:
  MetricsEndpoint(std::unique_ptr<prometheus::Exposer> exposer, int port);
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_;
};

}  // namespace datamesh::metrics
