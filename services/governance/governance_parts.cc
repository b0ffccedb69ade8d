#include "services/governance/governance_parts.h"

#include <utility>

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
  GovernanceParts(server::Runtime& rt, const GovernanceFlags&)
      : service(*rt.pg(), rt.bus(), {rt.source(), [] { return absl::Now(); }}),
        lifecycle(*rt.pg(), {rt.source(),
                             [source = rt.source()](pqxx::work& tx, const std::string& type,
                                                    const std::string& operator_id) {
                               return operators::ApplyProposalDecision(tx, type, operator_id,
                                                                       source);
                             }}),
        applied(*rt.pg()) {}

  void Stop() override {
    if (tick) tick->Stop();
    applied.Stop();
  }

  GovernanceServiceImpl service;
  proposals::ProposalLifecycle lifecycle;
  proposals::ChangeAppliedConsumer applied;
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

}  // namespace

void RegisterFlags(config::FlagSet& flags, GovernanceFlags& options) {
  flags.AddDuration("tick-interval", &options.tick_interval,
                    "period of background work: closing and executing proposals, maturing "
                    "unbonding stake");
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
  // Unbonding stake matures and operator admission is re-checked first, so the drain in Tick
  // publishes the admissions of the same round.
  parts->tick = std::make_unique<server::PeriodicTask>(
      options.tick_interval, [pg, bus, lifecycle, source = runtime.source()] {
        RunLedgerTick(*pg, absl::Now(), source);
        Tick(*pg, bus, *lifecycle);
      });
  runtime.AddGrpcService(&parts->service);
  return parts;
}

}  // namespace datamesh::governance
