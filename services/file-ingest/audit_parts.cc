#include "services/file-ingest/audit_parts.h"

#include "absl/strings/str_cat.h"
#include "shared/bus/event.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {

absl::Status ValidateAuditFlags(const AuditFlags& f) {
  if (!(f.rate_per_minute >= 0 && f.rate_per_minute <= 60000)) {
    return absl::InvalidArgumentError("--audit-rate must be 0 to 60000 segments per minute");
  }
  if (f.stripe_bytes < 64 || f.stripe_bytes > (1 << 20)) {
    return absl::InvalidArgumentError("--audit-stripe-bytes must be 64 to 1048576");
  }
  if (f.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--audit-timeout must be positive");
  }
  return absl::OkStatus();
}

std::unique_ptr<AuditParts> AuditParts::Create(pg::Pool& pool) {
  auto parts = std::make_unique<AuditParts>();
  parts->store_ = std::make_unique<AuditStore>(pool);
  return parts;
}

void AuditParts::Stop() {
  disqualified_.reset();
  std::lock_guard<std::mutex> lock(mu_);
  if (timer_) timer_->Stop();
}

void AuditParts::SetRate(int64_t rate_per_minute) {
  std::unique_ptr<server::PeriodicTask> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = std::move(timer_);
    if (rate_per_minute > 0 && worker_ != nullptr) {
      const absl::Duration interval = absl::Minutes(1) / static_cast<double>(rate_per_minute);
      timer_ = std::make_unique<server::PeriodicTask>(interval, [worker = worker_.get()] {
        if (auto r = worker->RunOnce(); !r.ok()) {
          log::Warn("audit failed to run", {{"error", r.status().ToString()}});
        }
      });
    }
  }
  if (old) old->Stop();  // outside the lock: a running audit finishes first
  log::Info("audit rate set", {{"segments_per_minute", rate_per_minute}});
}

absl::Status AuditParts::Start(server::Runtime& rt, const AuditFlags& flags, ChunkStubs& stubs,
                               MaintenanceRunner& runner) {
  RETURN_IF_ERROR(ValidateAuditFlags(flags));
  if (rt.bus() != nullptr) {
    bus::ConsumerConfig cc;
    cc.stream = bus::kDurableEventsStreamName;
    cc.durable = "file-ingest-disqualified";
    cc.filter_subject = bus::SubjectFor("governance.node.disqualified");
    AuditStore* store = store_.get();
    auto on_event = [store, &runner](const events::v1::Event& e) {
      if (!e.has_node_disqualified() || e.node_disqualified().node_id().empty()) {
        return absl::OkStatus();
      }
      const auto& d = e.node_disqualified();
      RETURN_IF_ERROR(store->AddDisqualified(d.node_id(), d.reason()));
      log::Warn("node disqualified: its shards are repaired elsewhere",
                {{"node", d.node_id()}, {"reason", d.reason()}});
      runner.RequestRepair("node disqualified");
      return absl::OkStatus();
    };
    ASSIGN_OR_RETURN(disqualified_, rt.bus()->ConsumeDurable(cc, on_event));
  }
  // The worker exists even at rate 0, so governance can turn audits on later.
  reader_ = std::make_unique<GrpcStripeReader>(flags.timeout, stubs);
  AuditOptions options;
  options.stripe_bytes = static_cast<uint64_t>(flags.stripe_bytes);
  options.source = rt.source();
  worker_ = std::make_unique<AuditWorker>(*store_, *reader_, rt.bus(), options, &rt.metrics());
  if (flags.rate_per_minute > 0) SetRate(flags.rate_per_minute);
  return absl::OkStatus();
}

}  // namespace datamesh::file_ingest
