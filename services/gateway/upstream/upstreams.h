// Upstreams: the services behind the gateway and whether each is SERVING, checked in the
// background so that /readyz and readiness cost no network round trip.
//
// Only the services without which no request can succeed are `critical` (auth for every call,
// quota and file-ingest for the data path): the gateway reports not-ready only when one of them
// is down. A non-critical one being down (monitoring, say) shows in /readyz but must not take
// the whole edge out of the load balancer.
//
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "shared/server/health_client.h"
#include "shared/server/periodic_task.h"

namespace datamesh::gateway {

class Upstreams {
 public:
  struct Upstream {
    std::string name;
    std::string address;
    bool critical = false;
  };

  // Starts checking every `interval`.
  Upstreams(std::vector<Upstream> upstreams, absl::Duration interval);
  ~Upstreams();

  // OK when every critical upstream answered SERVING at the last check.
  absl::Status CriticalServing() const;
  // Name -> SERVING at the last check.
  std::map<std::string, bool> Snapshot() const;

  void Stop();

 private:
  void CheckAll();

  struct Entry {
    Upstream upstream;
    std::unique_ptr<server::HealthClient> client;
    bool serving = false;
  };
  std::vector<Entry> entries_;
  mutable std::mutex mu_;
  std::unique_ptr<server::PeriodicTask> task_;
};

}  // namespace datamesh::gateway
