// Wiring of the monitoring service: its flags and the build function RunService calls.
//
// Build subscribes to dm.v1.service.heartbeat (a plain subscription: every replica needs every
// heartbeat to compute the same target assignment), and starts periodic tasks — a scrape round
// every --scrape-interval, a flush of the head chunks every --flush-interval, the rollup
// builder every minute, retention every 10 minutes, and rule evaluation (alerts/rule_evaluator.h):
// the evaluator lease renewed every
// --rule-interval, each rule group evaluated every interval. ServiceParts::Stop ends them, gives
// the lease up and seals and writes every head. Rule files that do not load fail Build.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/config/flags.h"
#include "shared/server/service_main.h"

namespace datamesh::monitoring {

struct MonitoringOptions {
  absl::Duration scrape_interval = absl::Seconds(15);
  // Capped at the scrape interval.
  absl::Duration scrape_timeout = absl::Seconds(10);
  // Raw chunks whose last sample is older are deleted once rolled up: --retention-raw, or
  // --retention (its older name; 0: not given) when --retention-raw keeps its default.
  absl::Duration retention_raw = absl::Hours(48);
  absl::Duration retention = absl::ZeroDuration();
  // --rollups: resolution:retention pairs, finest first (store/rollup_builder.h).
  std::string rollups = "5m:720h,1h:8760h";
  // A head chunk is sealed at this many samples, or when open this long.
  int64_t chunk_samples = 480;
  absl::Duration chunk_max_age = absl::Hours(2);
  // How often heads are written behind to PostgreSQL: what a crash can lose.
  absl::Duration flush_interval = absl::Seconds(30);
  // Rule files (comma-separated paths) evaluated besides the shipped defaults, which
  // `default_rules` turns off.
  std::string rule_files;
  bool default_rules = true;
  // Evaluation interval of groups that set none; the evaluator lease lasts three of them.
  absl::Duration rule_interval = absl::Minutes(1);
  // Saved alert states are restored when the evaluator was away at most this long.
  absl::Duration rule_outage_tolerance = absl::Hours(1);
  // The notification config (notify/notify_config.h); empty: no external receivers.
  std::string notify_config;
};

void RegisterFlags(config::FlagSet& flags, MonitoringOptions& options);

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const MonitoringOptions& options);

}  // namespace datamesh::monitoring
