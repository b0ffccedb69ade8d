#include "services/monitoring/monitoring_server.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "services/monitoring/monitoring_service.h"
#include "services/monitoring/scrape/scraper.h"
#include "services/monitoring/scrape/target_directory.h"
#include "services/monitoring/store/sample_store.h"
#include "shared/bus/bus.h"
#include "shared/log/log.h"
#include "shared/server/periodic_task.h"
#include "shared/status/status.h"

namespace datamesh::monitoring {
namespace {

constexpr absl::Duration kRetentionInterval = absl::Minutes(10);

store::SampleStore::Options StoreOptions(const MonitoringOptions& o) {
  store::SampleStore::Options s;
  s.head.max_samples = static_cast<uint32_t>(o.chunk_samples);
  s.head.max_age = o.chunk_max_age;
  s.retention = o.retention;
  return s;
}

class Parts : public server::ServiceParts {
 public:
  Parts(server::Runtime& runtime, const MonitoringOptions& o)
      : store(*runtime.pg(), StoreOptions(o), runtime.metrics()),
        // A target silent for three heartbeat intervals is gone.
        directory(runtime.service_name(), 3 * runtime.options().heartbeat_interval),
        scraper(
            directory, store,
            scrape::Scraper::Options{runtime.instance_id(),
                                     {.timeout = std::min(o.scrape_timeout, o.scrape_interval)}},
            runtime.metrics()),
        service(store, [] { return absl::Now(); }) {}

  void Stop() override {
    subscription.reset();
    if (scrape_task) scrape_task->Stop();
    if (retention_task) retention_task->Stop();
    if (flush_task) flush_task->Stop();
    if (absl::Status s = store.Flush(absl::Now(), /*seal_all=*/true); !s.ok()) {
      log::Warn("last flush failed: samples since the previous flush are lost",
                {{"error", std::string(s.message())}});
    }
  }

  store::SampleStore store;
  scrape::TargetDirectory directory;
  scrape::Scraper scraper;
  MonitoringServiceImpl service;
  std::unique_ptr<bus::Subscription> subscription;
  std::unique_ptr<server::PeriodicTask> scrape_task;
  std::unique_ptr<server::PeriodicTask> flush_task;
  std::unique_ptr<server::PeriodicTask> retention_task;
};

absl::Status CheckOptions(const MonitoringOptions& o) {
  if (o.scrape_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--scrape-interval must be positive");
  }
  if (o.scrape_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--scrape-timeout must be positive");
  }
  if (o.retention <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--retention must be positive");
  }
  if (o.chunk_samples < 2 || o.chunk_samples > 100'000) {
    return absl::InvalidArgumentError("--chunk-samples must be 2 to 100000");
  }
  if (o.chunk_max_age <= absl::ZeroDuration() || o.flush_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--chunk-max-age and --flush-interval must be positive");
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterFlags(config::FlagSet& flags, MonitoringOptions& o) {
  flags.AddDuration("scrape-interval", &o.scrape_interval,
                    "how often every target's /metrics is scraped");
  flags.AddDuration("scrape-timeout", &o.scrape_timeout,
                    "longest wait for one scrape (at most the scrape interval)");
  flags.AddDuration("retention", &o.retention,
                    "samples older than this are deleted (360h = 15 days)");
  flags.AddInt("chunk-samples", &o.chunk_samples,
               "a series' open chunk is sealed at this many samples");
  flags.AddDuration("chunk-max-age", &o.chunk_max_age,
                    "a series' open chunk is sealed when it has been open this long");
  flags.AddDuration("flush-interval", &o.flush_interval,
                    "how often open chunks are written to PostgreSQL (what a crash can lose)");
}

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const MonitoringOptions& options) {
  RETURN_IF_ERROR(CheckOptions(options));
  auto parts = std::make_unique<Parts>(runtime, options);
  Parts* p = parts.get();
  ASSIGN_OR_RETURN(parts->subscription,
                   runtime.bus()->SubscribeEvents(
                       bus::SubjectFor("service.heartbeat"), /*queue_group=*/"",
                       [p](const events::v1::Event& event) {
                         if (event.has_service_heartbeat()) {
                           p->directory.OnHeartbeat(event.service_heartbeat(), absl::Now());
                         }
                       }));
  parts->scrape_task = std::make_unique<server::PeriodicTask>(
      options.scrape_interval, [p] { p->scraper.RunOnce(absl::Now()); });
  parts->flush_task = std::make_unique<server::PeriodicTask>(options.flush_interval, [p] {
    if (absl::Status s = p->store.Flush(absl::Now()); !s.ok()) {
      log::Warn("flush to PostgreSQL failed; retried next time",
                {{"error", std::string(s.message())}});
    }
  });
  parts->retention_task = std::make_unique<server::PeriodicTask>(kRetentionInterval, [p] {
    absl::StatusOr<store::RetentionResult> r = p->store.ApplyRetention(absl::Now());
    if (!r.ok()) {
      log::Warn("retention failed", {{"error", std::string(r.status().message())}});
    } else if (r->chunks_deleted > 0 || r->series_deleted > 0) {
      log::Info("retention",
                {{"chunks_deleted", r->chunks_deleted}, {"series_deleted", r->series_deleted}});
    }
  });
  runtime.AddGrpcService(&parts->service);
  log::Info("monitoring started",
            {{"scrape_interval_s", absl::ToDoubleSeconds(options.scrape_interval)},
             {"retention_h", absl::ToDoubleHours(options.retention)}});
  return parts;
}

}  // namespace datamesh::monitoring
