// Scraper: one round of scraping — the targets this replica owns (rendezvous over the live
// replicas, assignment.h) fetched at once, parsed, labelled and appended to the store with
// their report series and staleness markers (scrape_samples.h). The service runs a round every
// --scrape-interval.
//
// A target dropped from the directory gets its series marked stale by its owner; a target
// handed to another replica is simply no longer scraped here (the other replica continues its
// series).
//
// Thread safety: RunOnce must not run concurrently with itself (the service calls it from one
// periodic task). The directory and store must outlive the scraper.
#pragma once

#include <map>
#include <string>

#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/monitoring/scrape/http_fetch.h"
#include "services/monitoring/scrape/scrape_samples.h"
#include "services/monitoring/scrape/target_directory.h"
#include "services/monitoring/store/sample_store.h"

namespace datamesh::monitoring::scrape {

class Scraper {
 public:
  struct Options {
    std::string self_instance_id;  // this replica, as its heartbeats name it
    FetchOptions fetch;
  };

  Scraper(TargetDirectory& directory, store::SampleStore& store, Options options,
          prometheus::Registry& metrics);

  void RunOnce(absl::Time now);

  // Keys of the targets the last round scraped.
  std::vector<std::string> owned() const;

 private:
  void Scrape(const std::vector<Target>& targets, absl::Time now);

  TargetDirectory& directory_;
  store::SampleStore& store_;
  const Options options_;
  StalenessTracker staleness_;
  std::map<std::string, Target> owned_;

  prometheus::Counter& scrapes_ok_;
  prometheus::Counter& scrapes_failed_;
  prometheus::Gauge& targets_known_;
  prometheus::Gauge& targets_owned_;
  prometheus::Gauge& replicas_;
};

}  // namespace datamesh::monitoring::scrape
