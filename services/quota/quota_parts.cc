#include "services/quota/quota_parts.h"

#include "services/quota/quota_consumer.h"
#include "services/quota/quota_service.h"
#include "shared/bus/bus.h"
#include "shared/log/log.h"
#include "shared/pg/pool.h"
#include "shared/redis/redis_pool.h"
#include "shared/server/periodic_task.h"
#include "shared/status/status.h"

namespace datamesh::quota {
namespace {

// Construction order is the order of dependence; members are destroyed in reverse, and Stop()
// ends background work before any of them goes.
struct QuotaParts : server::ServiceParts {
  QuotaParts(server::Runtime& rt, const QuotaFlags& flags)
      : store(*rt.pg()),
        limiter(*rt.redis()),
        tiers(store),
        service(
            store, limiter, tiers, rt.bus(), &rt.metrics(),
            {flags.reservation_ttl, flags.committed_ttl, rt.source(), [] { return absl::Now(); }}),
        consumer(store, [] { return absl::Now(); }) {}

  void Stop() override {
    if (tick) tick->Stop();
    consumer.Stop();
  }

  QuotaStore store;
  RateLimiter limiter;
  TierCatalog tiers;
  QuotaServiceImpl service;
  QuotaEventConsumer consumer;
  std::unique_ptr<server::PeriodicTask> tick;
};

}  // namespace

void RegisterFlags(config::FlagSet& flags, QuotaFlags& options) {
  flags.AddDuration("reservation-ttl", &options.reservation_ttl,
                    "how long an uncommitted storage reservation holds its bytes");
  flags.AddDuration("committed-ttl", &options.committed_ttl,
                    "how long a committed reservation waits for its file.stored event");
  flags.AddDuration("billing-interval", &options.billing_interval,
                    "period of billing accrual, API-call flush and reservation sweep");
}

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const QuotaFlags& options) {
  if (options.reservation_ttl <= absl::ZeroDuration() ||
      options.committed_ttl <= absl::ZeroDuration() ||
      options.billing_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("quota durations must be positive");
  }
  auto parts = std::make_unique<QuotaParts>(runtime, options);
  RETURN_IF_ERROR(parts->consumer.Start(*runtime.bus()));
  QuotaServiceImpl* service = &parts->service;
  parts->tick = std::make_unique<server::PeriodicTask>(options.billing_interval, [service] {
    if (absl::Status s = service->BillingTick(); !s.ok()) {
      log::Warn("billing tick failed", {{"error", s.ToString()}});
    }
  });
  runtime.AddGrpcService(&parts->service);
  return parts;
}

}  // namespace datamesh::quota
