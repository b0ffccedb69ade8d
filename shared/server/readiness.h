// Readiness: named checks of what a service depends on (database reachable, NATS connected,
// upstream services serving). The bootstrap evaluates them periodically and reports SERVING on
// the gRPC health service only while every check passes, so Kubernetes and the gateway stop
// sending work to an instance that cannot do it. A health check that always says serving is
// a lie; this is the place that keeps it honest.
//
// Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace datamesh::server {

class Readiness {
 public:
  using Check = std::function<absl::Status()>;

  Readiness(prometheus::Registry& registry, std::string service_name);

  // Adds a check. Checks must be quick (a ping with a short timeout).
  void Add(std::string name, Check check);

  // Runs every check; returns true when all passed. Records datamesh_dependency_up{dependency}.
  bool Evaluate();

  // The result of the last Evaluate (false before the first).
  bool ready() const;
  // Name and status of each check at the last Evaluate.
  std::vector<std::pair<std::string, absl::Status>> Results() const;

 private:
  struct Entry {
    std::string name;
    Check check;
    absl::Status last = absl::UnavailableError("not yet checked");
    prometheus::Gauge* up = nullptr;
  };

  prometheus::Family<prometheus::Gauge>& up_family_;
  const std::string service_name_;
  mutable std::mutex mu_;
  std::vector<Entry> entries_;
  bool ready_ = false;
};

}  // namespace datamesh::server
