#include "services/monitoring/scrape/scraper.h"

#include "services/monitoring/scrape/assignment.h"
#include "shared/log/log.h"

namespace datamesh::monitoring::scrape {
namespace {

prometheus::Gauge& Gauge(prometheus::Registry& r, const std::string& name,
                         const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

prometheus::Counter& Scrapes(prometheus::Registry& r, const char* outcome) {
  return prometheus::BuildCounter()
      .Name("datamesh_monitoring_scrapes_total")
      .Help("scrapes of the targets this replica owns, by outcome")
      .Register(r)
      .Add({{"outcome", outcome}});
}

}  // namespace

Scraper::Scraper(TargetDirectory& directory, store::SampleStore& store, Options options,
                 prometheus::Registry& metrics)
    : directory_(directory),
      store_(store),
      options_(std::move(options)),
      scrapes_ok_(Scrapes(metrics, "ok")),
      scrapes_failed_(Scrapes(metrics, "failed")),
      targets_known_(
          Gauge(metrics, "datamesh_monitoring_targets", "scrape targets known from heartbeats")),
      targets_owned_(Gauge(metrics, "datamesh_monitoring_targets_owned",
                           "scrape targets this replica scrapes")),
      replicas_(Gauge(metrics, "datamesh_monitoring_replicas",
                      "live monitoring replicas sharing the targets")) {}

void Scraper::RunOnce(absl::Time now) {
  const int64_t now_ms = absl::ToUnixMillis(now);
  std::vector<store::Sample> markers;
  for (const Target& gone : directory_.Expire(now)) {
    if (owned_.erase(gone.key()) == 0) continue;
    std::vector<store::Sample> m = staleness_.Drop(gone, now_ms);
    markers.insert(markers.end(), m.begin(), m.end());
    log::Info("scrape target dropped", {{"target", gone.key()}});
  }
  if (!markers.empty()) store_.Append(markers, now);

  const std::vector<std::string> replicas = directory_.LiveReplicas(now);
  const std::vector<Target> targets = directory_.Targets();
  std::vector<Target> mine;
  std::map<std::string, Target> owned;
  for (const Target& t : targets) {
    if (OwnerOf(t.key(), replicas) != options_.self_instance_id) continue;
    mine.push_back(t);
    owned.emplace(t.key(), t);
  }
  for (const auto& [key, target] : owned_) {
    if (owned.count(key) > 0) continue;
    staleness_.Forget(target);
    log::Info("scrape target handed to another replica", {{"target", key}});
  }
  owned_ = std::move(owned);
  targets_known_.Set(static_cast<double>(targets.size()));
  targets_owned_.Set(static_cast<double>(mine.size()));
  replicas_.Set(static_cast<double>(replicas.size()));
  if (!mine.empty()) Scrape(mine, now);
}

void Scraper::Scrape(const std::vector<Target>& targets, absl::Time now) {
  std::vector<std::string> urls;
  urls.reserve(targets.size());
  for (const Target& t : targets) urls.push_back("http://" + t.metrics_address + "/metrics");
  const std::vector<FetchResult> results = FetchAll(urls, options_.fetch);
  // Every sample of a scrape carries the time it started, as in Prometheus.
  const int64_t t_ms = absl::ToUnixMillis(now);
  std::vector<store::Sample> batch;
  for (size_t i = 0; i < targets.size(); ++i) {
    const Target& target = targets[i];
    const FetchResult& r = results[i];
    ScrapeReport report{.duration_seconds = absl::ToDoubleSeconds(r.elapsed)};
    std::vector<store::Sample> samples;
    std::string error = r.error;
    if (r.ok) {
      absl::StatusOr<exposition::Exposition> parsed =
          exposition::ParseExposition(r.body, exposition::FormatFromContentType(r.content_type));
      if (parsed.ok()) {
        samples = TargetSamples(*parsed, target, t_ms);
        report.up = true;
        report.samples_scraped = samples.size();
      } else {
        error = std::string(parsed.status().message());
      }
    }
    if (!report.up) {
      log::Debug("scrape failed", {{"target", target.key()}, {"error", error}});
    }
    (report.up ? scrapes_ok_ : scrapes_failed_).Increment();
    std::vector<store::Sample> markers = staleness_.Update(target, samples, t_ms);
    std::vector<store::Sample> reports = ReportSamples(target, report, t_ms);
    batch.insert(batch.end(), std::make_move_iterator(samples.begin()),
                 std::make_move_iterator(samples.end()));
    batch.insert(batch.end(), markers.begin(), markers.end());
    batch.insert(batch.end(), reports.begin(), reports.end());
  }
  store_.Append(batch, now);
}

std::vector<std::string> Scraper::owned() const {
  std::vector<std::string> out;
  for (const auto& [key, t] : owned_) out.push_back(key);
  return out;
}

}  // namespace datamesh::monitoring::scrape
