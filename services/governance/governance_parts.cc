#include "services/governance/governance_parts.h"

#include <utility>

#include "services/governance/billing/billing_month.h"
#include "services/governance/epochs/epoch_closer.h"
#include "services/governance/epochs/node_usage_recorder.h"
#include "services/governance/audits/audit_parts.h"
#include "services/governance/governance_service.h"
#include "services/governance/ledger_worker.h"
#include "services/governance/operators/operator_registry.h"
#include "services/governance/proposals/applied_consumer.h"
#include "services/governance/proposals/lifecycle.h"
#include "shared/bus/bus.h"
#include "shared/log/log.h"
#include "shared/pg/outbox.h"
#include "shared/server/periodic_task.h"
#include "shared/status/status.h"

namespace datamesh::governance {
namespace {

// Construction order is the order of dependence; Stop() ends background work first.
struct GovernanceParts : server::ServiceParts {
  GovernanceParts(server::Runtime& rt, const GovernanceFlags& flags)
      : billing_records(flags.quota_addr.empty()
                            ? billing::BillingRecordSource()
                            : billing::QuotaBillingSource(flags.quota_addr)),
        service(*rt.pg(), rt.bus(),
                {rt.source(), [] { return absl::Now(); }, billing_records,
                 flags.file_ingest_addr.empty()
                     ? proposals::StoredUsageSource()
                     : proposals::FileIngestUsageSource(flags.file_ingest_addr)}),
        lifecycle(*rt.pg(), {rt.source(),
                             [source = rt.source()](pqxx::work& tx, const std::string& type,
                                                    const std::string& operator_id) {
                               return operators::ApplyProposalDecision(tx, type, operator_id,
                                                                       source);
                             }}),
        applied(*rt.pg()),
        epoch_closer(*rt.pg()),
        usage({rt.instance_id()}) {}

  void Stop() override {
    if (tick) tick->Stop();
    if (audits) audits->Stop();
    heartbeats.reset();
    applied.Stop();
  }

  billing::BillingRecordSource billing_records;  // empty without --quota-addr
  GovernanceServiceImpl service;
  proposals::ProposalLifecycle lifecycle;
  proposals::ChangeAppliedConsumer applied;
  epochs::EpochCloser epoch_closer;
  epochs::NodeUsageRecorder usage;
  std::unique_ptr<bus::Subscription> heartbeats;
  std::unique_ptr<audits::AuditParts> audits;  // audit results, reputation, uptime
  std::unique_ptr<server::PeriodicTask> tick;
};

// Events of at most this many proposals are published per tick (the rest on the next).
constexpr int kOutboxBatch = 100;

// One round of background work: proposals due now move on, then their durable events leave
// the outbox. Failures are logged and retried on the next tick.
void Tick(pg::Pool& pg, bus::Bus* bus, proposals::ProposalLifecycle& lifecycle) {
  if (absl::StatusOr<int> n = lifecycle.RunOnce(absl::Now()); !n.ok()) {
    log::Warn("proposal lifecycle failed", {{"error", n.status().ToString()}});
  }
  if (bus == nullptr) return;
  absl::StatusOr<int> sent = pg::DrainOutbox(
      pg, proposals::kOutboxTable, kOutboxBatch, [bus](const std::string& bytes) {
        events::v1::Event e;
        if (!e.ParseFromString(bytes)) return absl::OkStatus();  // never publishable: drop
        return bus->PublishDurable(e);
      });
  if (!sent.ok()) log::Warn("outbox drain failed", {{"error", sent.status().ToString()}});
}

// Epochs and billing: node usage heard since the last tick is stored, due epochs close, and
// the previous month is invoiced once. Failures are logged and retried on the next tick.
void EpochsAndBillingTick(pg::Pool& pg, GovernanceParts& parts) {
  if (absl::Status s = parts.usage.Flush(pg); !s.ok()) {
    log::Warn("storing node usage failed", {{"error", s.ToString()}});
  }
  if (absl::StatusOr<int> n = parts.epoch_closer.RunOnce(absl::Now()); !n.ok()) {
    log::Warn("closing epochs failed", {{"error", n.status().ToString()}});
  }
  if (!parts.billing_records) return;
  billing::BillingMonthCloser billing(pg, parts.billing_records);
  if (absl::StatusOr<bool> closed = billing.CloseDueMonth(absl::Now()); !closed.ok()) {
    log::Warn("invoicing the previous month failed", {{"error", closed.status().ToString()}});
  }
}

}  // namespace

void RegisterFlags(config::FlagSet& flags, GovernanceFlags& options) {
  flags.AddDuration("tick-interval", &options.tick_interval,
                    "period of background work: closing and executing proposals, maturing "
                    "unbonding stake");
  flags.AddString("quota-addr", &options.quota_addr,
                  "quota's gRPC address, for the billing records invoices are written from "
                  "(empty: no invoices)");
  flags.AddString("file-ingest-addr", &options.file_ingest_addr,
                  "file-ingest's gRPC address, for the bytes an erasure proposal would have "
                  "re-encoded (empty: shown as not known)");
}

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const GovernanceFlags& options) {
  if (options.tick_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--tick-interval must be positive");
  }
  // The genesis supply is issued once, before the first call can ask for a balance.
  RETURN_IF_ERROR(EnsureLedgerGenesis(*runtime.pg()));
  auto parts = std::make_unique<GovernanceParts>(runtime, options);
  if (runtime.bus() != nullptr) RETURN_IF_ERROR(parts->applied.Start(*runtime.bus()));
  pg::Pool* pg = runtime.pg();
  bus::Bus* bus = runtime.bus();
  proposals::ProposalLifecycle* lifecycle = &parts->lifecycle;
  GovernanceParts* raw = parts.get();
  if (bus != nullptr) {
    ASSIGN_OR_RETURN(parts->heartbeats,
                     bus->SubscribeEvents(bus::SubjectFor("node.heartbeat"), "",
                                          [raw](const events::v1::Event& e) {
                                            if (!e.has_node_heartbeat()) return;
                                            raw->usage.OnHeartbeat(e.node_heartbeat().node_id(),
                                                                   e.node_heartbeat().used_bytes(),
                                                                   absl::Now());
                                          }));
  }
  // Unbonding stake matures and operator admission is re-checked first, so the drain in Tick
  // publishes the admissions of the same round.
  parts->tick = std::make_unique<server::PeriodicTask>(
      options.tick_interval, [pg, bus, lifecycle, raw, source = runtime.source()] {
        RunLedgerTick(*pg, absl::Now(), source);
        Tick(*pg, bus, *lifecycle);
        EpochsAndBillingTick(*pg, *raw);
      });
  parts->audits = std::make_unique<audits::AuditParts>(runtime);
  RETURN_IF_ERROR(parts->audits->Start());
  runtime.AddGrpcService(&parts->service);
  return parts;
}

}  // namespace datamesh::governance
