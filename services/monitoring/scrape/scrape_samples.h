// What one scrape stores, as Prometheus stores it: the target's samples with its identifying
// labels added, the report series of the scrape, and staleness markers for series that are gone.
//
//   every sample      + service="<service>", instance="<instance id>"; a scraped label of that
//                       name with another value is kept as exported_service / exported_instance
//                       (Prometheus' honor_labels: false), the same value is kept once
//   up                1 when the scrape succeeded (answer 200 that parses), else 0
//   scrape_duration_seconds, scrape_samples_scraped (0 on failure)
//   staleness marker  (Prometheus' StaleNaN) at the scrape's time for every series the previous
//                       scrape of the target produced and this one did not (all of them when
//                       it failed); for every series and the report series when the target is
//                       dropped
//
// Pure functions and a tracker without locks: one scraper thread uses them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "services/monitoring/exposition/exposition_parser.h"
#include "services/monitoring/scrape/target_directory.h"
#include "services/monitoring/store/sample_store.h"

namespace datamesh::monitoring::scrape {

// Prometheus' staleness marker: a NaN with this exact bit pattern.
double StaleMarker();

struct ScrapeReport {
  bool up = false;
  double duration_seconds = 0;
  uint64_t samples_scraped = 0;
};

// The exposition's samples as the store keeps them, at their own timestamp or `t_ms`.
std::vector<store::Sample> TargetSamples(const exposition::Exposition& exposition,
                                         const Target& target, int64_t t_ms);

// up, scrape_duration_seconds and scrape_samples_scraped of one scrape.
std::vector<store::Sample> ReportSamples(const Target& target, const ScrapeReport& report,
                                         int64_t t_ms);

// Remembers the series of each target's last scrape.
class StalenessTracker {
 public:
  // Records `samples` as the target's series now; returns a marker for each series of the
  // previous scrape missing from them.
  std::vector<store::Sample> Update(const Target& target, const std::vector<store::Sample>& samples,
                                    int64_t t_ms);

  // Markers for every series of the target and its report series; forgets the target.
  std::vector<store::Sample> Drop(const Target& target, int64_t t_ms);

  // Forgets the target without markers: another replica now scrapes it and continues its series.
  void Forget(const Target& target);

 private:
  std::map<std::string, std::map<std::string, promql::Labels>> series_;  // target -> key -> labels
};

}  // namespace datamesh::monitoring::scrape
