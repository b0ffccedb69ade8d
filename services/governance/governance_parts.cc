#include "services/governance/governance_parts.h"

#include <utility>

#include "services/governance/governance_service.h"
#include "shared/server/periodic_task.h"

namespace datamesh::governance {
namespace {

// Construction order is the order of dependence; Stop() ends background work first.
struct GovernanceParts : server::ServiceParts {
  GovernanceParts(server::Runtime& rt, const GovernanceFlags&)
      : service(*rt.pg(), rt.bus(), {rt.source(), [] { return absl::Now(); }}) {}

  void Stop() override {
    if (tick) tick->Stop();
  }

  GovernanceServiceImpl service;
  std::unique_ptr<server::PeriodicTask> tick;
};

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
  auto parts = std::make_unique<GovernanceParts>(runtime, options);
  runtime.AddGrpcService(&parts->service);
  return parts;
}

}  // namespace datamesh::governance
