// The flags every DataMesh binary takes (each with a DM_* env fallback, see shared/config).
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "shared/config/flags.h"

namespace datamesh::server {

struct CommonOptions {
  std::string grpc_addr;     // where the gRPC server listens, host:port (port 0: any free)
  std::string metrics_addr;  // where /metrics is served, host:port
  // Host other processes use to reach this instance (heartbeats carry it). Empty: the bind
  // host, or the machine's hostname when binding a wildcard address (a pod's hostname resolves
  // to its IP).
  std::string advertise_host;
  std::string nats_url = "nats://127.0.0.1:4222";
  std::string pg_url = "postgresql://postgres@127.0.0.1:5432/postgres";
  std::string redis_url = "redis://127.0.0.1:6379";
  int64_t pg_pool_size = 8;
  int64_t redis_pool_size = 4;
  std::string instance_id;  // empty: a random id per process
  std::string log_level = "info";
  absl::Duration shutdown_grace = absl::Seconds(10);
  absl::Duration heartbeat_interval = absl::Seconds(5);
  absl::Duration readiness_interval = absl::Seconds(1);
  // How long start-up keeps retrying unreachable dependencies before giving up (exit 1).
  absl::Duration startup_timeout = absl::Seconds(60);
};

// Registers the common flags; `needs_*` leave out the URLs of dependencies a service does not use.
void RegisterCommonFlags(config::FlagSet& flags, CommonOptions& options, bool needs_nats,
                         bool needs_pg, bool needs_redis);

// The advertised host:port for a bound address (see CommonOptions::advertise_host).
std::string AdvertisedAddress(const CommonOptions& options, const std::string& bind_addr,
                              int bound_port);

}  // namespace datamesh::server
