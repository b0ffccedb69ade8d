#include "services/governance/audits/audit_parts.h"

#include "absl/time/clock.h"
#include "shared/bus/event.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::governance::audits {

AuditParts::AuditParts(server::Runtime& rt)
    : rt_(rt), results_(*rt.pg(), rt.source()), uptime_(*rt.pg()) {}

absl::Status AuditParts::Start() {
  bus::Bus* bus = rt_.bus();
  if (bus == nullptr) return absl::OkStatus();
  RETURN_IF_ERROR(results_.Start(*bus));
  ASSIGN_OR_RETURN(heartbeats_,
                   bus->SubscribeEvents(
                       bus::SubjectFor("node.heartbeat"), "", [this](const events::v1::Event& e) {
                         if (!e.has_node_heartbeat()) return;
                         uptime_.OnHeartbeat(e.node_heartbeat().node_id(), absl::Now());
                       }));
  prune_ = std::make_unique<server::PeriodicTask>(absl::Hours(1), [this] {
    if (auto n = uptime_.Prune(absl::Now()); !n.ok()) {
      log::Warn("pruning uptime windows failed", {{"error", n.status().ToString()}});
    }
  });
  return absl::OkStatus();
}

void AuditParts::Stop() {
  if (prune_) prune_->Stop();
  heartbeats_.reset();
  results_.Stop();
}

}  // namespace datamesh::governance::audits
