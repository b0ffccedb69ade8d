// Wiring of the quota service: builds its parts from the Runtime (store, rate limiter, tier
// catalog, gRPC service, event consumer, periodic billing tick) and registers the service.
// Only main.cc and integration tests call this.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/config/flags.h"
#include "shared/server/service_main.h"

namespace datamesh::quota {

struct QuotaFlags {
  absl::Duration reservation_ttl = absl::Hours(1);
  absl::Duration committed_ttl = absl::Hours(24);
  absl::Duration billing_interval = absl::Minutes(5);
  // Usage reconciliation from file-ingest's manifests (usage_reconciler.h); off without an
  // address, periodic unless the interval is 0.
  std::string file_ingest_addr;
  absl::Duration reconcile_interval = absl::Hours(1);
  absl::Duration reconcile_margin = absl::Minutes(10);
};

void RegisterFlags(config::FlagSet& flags, QuotaFlags& options);

// INVALID_ARGUMENT for non-positive durations; errors of the bus when the consumer cannot start.
absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const QuotaFlags& options);

}  // namespace datamesh::quota
