// Wiring of the dht service: its flags and the build function RunService calls. Build loads the
// persisted membership, declares the node-events stream, subscribes to node.heartbeat (a plain
// subscription: every replica needs every heartbeat for its own view) and starts the
// membership sync loop; ServiceParts::Stop ends them and saves the last counters.
#pragma once

#include <memory>

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
};

void RegisterFlags(config::FlagSet& flags, DhtOptions& options);

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const DhtOptions& options);

}  // namespace datamesh::dht
