// The audits' part of governance's wiring: the file.audit.result consumer, the node heartbeat
// subscription that records uptime windows, and an hourly prune of old windows. Only
// governance_parts.cc calls this; Stop() (or the destructor) ends all three.
#pragma once

#include <memory>

#include "absl/status/status.h"
#include "services/governance/audits/audit_consumer.h"
#include "services/governance/audits/uptime_windows.h"
#include "shared/bus/bus.h"
#include "shared/server/periodic_task.h"
#include "shared/server/runtime.h"

namespace datamesh::governance::audits {

class AuditParts {
 public:
  explicit AuditParts(server::Runtime& rt);
  ~AuditParts() { Stop(); }

  // Starts consuming and recording (nothing without a bus).
  [[nodiscard]] absl::Status Start();
  void Stop();

 private:
  server::Runtime& rt_;
  AuditResultConsumer results_;
  UptimeWindows uptime_;
  std::unique_ptr<bus::Subscription> heartbeats_;
  std::unique_ptr<server::PeriodicTask> prune_;
};

}  // namespace datamesh::governance::audits
