#include "services/quota/quota_parts.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <utility>

#include "datamesh/file/v1/file.grpc.pb.h"
#include "services/quota/quota_consumer.h"
#include "services/quota/quota_service.h"
#include "services/quota/tier_change_consumer.h"
#include "shared/bus/bus.h"
#include "shared/log/log.h"
#include "shared/pg/pool.h"
#include "shared/redis/redis_pool.h"
#include "shared/server/channels.h"
#include "shared/server/periodic_task.h"
#include "shared/status/grpc_status.h"
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
        files(flags.file_ingest_addr.empty()
                  ? nullptr
                  : file::v1::FileService::NewStub(server::ServiceChannel(flags.file_ingest_addr))),
        reconciler(files ? std::make_unique<UsageReconciler>(
                               store, ListManifests(*files), flags.reconcile_margin,
                               &rt.metrics())
                         : nullptr),
        service(store, limiter, tiers, rt.bus(), &rt.metrics(),
                {flags.reservation_ttl, flags.committed_ttl, rt.source(),
                 [] { return absl::Now(); }, reconciler.get()}),
        consumer(store, [] { return absl::Now(); }),
        tier_changes(tiers, *rt.pg(), rt.source()) {}

  void Stop() override {
    if (tick) tick->Stop();
    if (reconcile_tick) reconcile_tick->Stop();
    consumer.Stop();
    tier_changes.Stop();
  }

  // file-ingest's ListStoredFiles as the reconciler reads it.
  static ManifestLister ListManifests(file::v1::FileService::Stub& files) {
    return [&files](const std::string& after,
                    int limit) -> absl::StatusOr<std::vector<ManifestFile>> {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      file::v1::ListStoredFilesRequest req;
      req.set_after_file_id(after);
      req.set_limit(static_cast<uint32_t>(limit));
      file::v1::ListStoredFilesResponse resp;
      RETURN_IF_ERROR(FromGrpcStatus(files.ListStoredFiles(&ctx, req, &resp)));
      std::vector<ManifestFile> out;
      for (const file::v1::StoredFileEntry& e : resp.files()) {
        out.push_back({e.file_id(), e.owner_id(), e.size(),
                       absl::FromUnixSeconds(e.created_at().seconds()) +
                           absl::Nanoseconds(e.created_at().nanos())});
      }
      return out;
    };
  }

  QuotaStore store;
  RateLimiter limiter;
  TierCatalog tiers;
  std::unique_ptr<file::v1::FileService::Stub> files;
  std::unique_ptr<UsageReconciler> reconciler;
  QuotaServiceImpl service;
  QuotaEventConsumer consumer;
  TierChangeConsumer tier_changes;  // governance's executed tier changes, applied live
  std::unique_ptr<server::PeriodicTask> tick;
  std::unique_ptr<server::PeriodicTask> reconcile_tick;
};

}  // namespace

void RegisterFlags(config::FlagSet& flags, QuotaFlags& options) {
  flags.AddDuration("reservation-ttl", &options.reservation_ttl,
                    "how long an uncommitted storage reservation holds its bytes");
  flags.AddDuration("committed-ttl", &options.committed_ttl,
                    "how long a committed reservation waits for its file.stored event");
  flags.AddDuration("billing-interval", &options.billing_interval,
                    "period of billing accrual, API-call flush and reservation sweep");
  flags.AddString("file-ingest-addr", &options.file_ingest_addr,
                  "file-ingest's gRPC address: usage is reconciled from its manifests (empty: "
                  "no reconciliation)");
  flags.AddDuration("reconcile-interval", &options.reconcile_interval,
                    "period of the usage reconciliation (0: only on demand)");
  flags.AddDuration("reconcile-margin", &options.reconcile_margin,
                    "a file committed more recently is not counted by a reconciliation (its "
                    "file.stored event may still be on its way)");
}

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const QuotaFlags& options) {
  if (options.reservation_ttl <= absl::ZeroDuration() ||
      options.committed_ttl <= absl::ZeroDuration() ||
      options.billing_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("quota durations must be positive");
  }
  if (options.reconcile_interval < absl::ZeroDuration() ||
      options.reconcile_margin < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--reconcile-interval and --reconcile-margin must not be negative");
  }
  auto parts = std::make_unique<QuotaParts>(runtime, options);
  RETURN_IF_ERROR(parts->consumer.Start(*runtime.bus()));
  RETURN_IF_ERROR(parts->tier_changes.Start(*runtime.bus()));
  QuotaServiceImpl* service = &parts->service;
  parts->tick = std::make_unique<server::PeriodicTask>(options.billing_interval, [service] {
    if (absl::Status s = service->BillingTick(); !s.ok()) {
      log::Warn("billing tick failed", {{"error", s.ToString()}});
    }
  });
  if (parts->reconciler && options.reconcile_interval > absl::ZeroDuration()) {
    UsageReconciler* reconciler = parts->reconciler.get();
    // Not at start (PeriodicTask's first run): file-ingest may still be starting.
    parts->reconcile_tick = std::make_unique<server::PeriodicTask>(
        options.reconcile_interval, [reconciler, first = true]() mutable {
          if (std::exchange(first, false)) return;
          if (auto report = reconciler->Run(); !report.ok()) {
            log::Warn("usage reconciliation failed", {{"error", report.status().ToString()}});
          }
        });
  }
  runtime.AddGrpcService(&parts->service);
  return parts;
}

}  // namespace datamesh::quota
