// Wiring of the dht service: its flags and the build function RunService calls. Build loads the
// persisted membership, declares the node-events stream, subscribes to node.heartbeat (a plain
// subscription: every replica needs every heartbeat for its own view) and starts the
// membership sync loop; with admission enforced it also loads governance's decisions, starts
// the durable consumer of governance events and refreshes the view periodically, and, given
// governance's address, re-syncs from governance's tables at start and periodically.
// ServiceParts::Stop ends them and saves the last counters.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/config/flags.h"
#include "shared/server/service_main.h"

namespace datamesh::dht {

struct DhtOptions {
  // A node whose heartbeats stop for longer is declared down (node.down). Chunk-stores beat
  // every few seconds; the default tolerates about three lost beats at 5 s.
  absl::Duration node_timeout = absl::Seconds(15);
  // How often unchanged-but-for-counters heartbeat data is written to PostgreSQL.
  absl::Duration flush_interval = absl::Seconds(10);
  // "governance": only nodes of operators governance admitted, not disqualified, receive
  // shards. "off": every heartbeating node does (no operators needed; logged as a warning).
  std::string node_admission = "governance";
  // vetting.placementShare until an executed proposal sets it: the share of placement keys in
  // which unvetted nodes take part fully (placement.h). Text, parsed as a number 0..1.
  std::string vetting_placement_share = "0.05";
  // How often every replica re-reads governance's decisions from PostgreSQL (the replica that
  // handles an event reads them at once).
  absl::Duration admission_refresh = absl::Seconds(5);
  // governance's gRPC address, for re-syncing admissions from its tables (admission_resync.h);
  // empty: no re-sync, the events alone.
  std::string governance_addr;
  // How often the re-sync runs (the first at start); 0: never.
  absl::Duration admission_resync = absl::Minutes(5);
};

void RegisterFlags(config::FlagSet& flags, DhtOptions& options);

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const DhtOptions& options);

}  // namespace datamesh::dht
