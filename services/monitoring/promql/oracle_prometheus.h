// A real Prometheus for the oracle test: Debian's `promtool` turns an OpenMetrics file into a
// TSDB block, and `prometheus` serves that folder on a free loopback port, scraping nothing.
// The process lives as long as this object; the destructor stops it (SIGTERM, then SIGKILL).
//
// Not thread-safe.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace datamesh::monitoring::promql::oracle {

class PrometheusServer {
 public:
  // Builds the TSDB from `openmetrics_file` under `work_dir` (created, emptied first) and starts
  // Prometheus on it; waits until /-/ready answers. FAILED_PRECONDITION when promtool or
  // prometheus is missing (tools/deps.sh installs them), INTERNAL when either fails (the
  // message quotes its output).
  static absl::StatusOr<std::unique_ptr<PrometheusServer>> Start(
      const std::string& work_dir, const std::string& openmetrics_file);
  ~PrometheusServer();

  // GET http://127.0.0.1:<port><path_and_query>: the body (any HTTP status; Prometheus puts
  // its errors in the JSON).
  absl::StatusOr<std::string> Get(const std::string& path_and_query) const;

  int port() const { return port_; }

 private:
  PrometheusServer(pid_t pid, int port) : pid_(pid), port_(port) {}
  pid_t pid_;
  int port_;
};

}  // namespace datamesh::monitoring::promql::oracle
