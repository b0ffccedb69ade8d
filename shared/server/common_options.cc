#include "shared/server/common_options.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace datamesh::server {

void RegisterCommonFlags(config::FlagSet& flags, CommonOptions& o, bool needs_nats, bool needs_pg,
                         bool needs_redis) {
  flags.AddString("grpc-addr", &o.grpc_addr, "gRPC listen address host:port (port 0: any)");
  flags.AddString("metrics-addr", &o.metrics_addr, "Prometheus /metrics listen address");
  flags.AddString("advertise-host", &o.advertise_host,
                  "host others use to reach this instance (default: bind host or hostname)");
  if (needs_nats) flags.AddString("nats-url", &o.nats_url, "NATS server URL(s), comma-separated");
  if (needs_pg) {
    flags.AddString("pg-url", &o.pg_url, "PostgreSQL connection URL or conninfo");
    flags.AddInt("pg-pool-size", &o.pg_pool_size, "PostgreSQL connections in the pool");
  }
  if (needs_redis) {
    flags.AddString("redis-url", &o.redis_url, "Redis URL redis://host:port[/db]");
    flags.AddInt("redis-pool-size", &o.redis_pool_size, "Redis connections in the pool");
  }
  flags.AddString("instance-id", &o.instance_id, "instance id (default: random per process)");
  flags.AddString("log-level", &o.log_level, "debug, info, warn or error");
  flags.AddDuration("shutdown-grace", &o.shutdown_grace,
                    "how long in-flight calls may finish after SIGTERM");
  flags.AddDuration("heartbeat-interval", &o.heartbeat_interval,
                    "period of dm.v1.service.heartbeat");
  flags.AddDuration("readiness-interval", &o.readiness_interval, "period of dependency checks");
  flags.AddDuration("startup-timeout", &o.startup_timeout,
                    "how long to wait for dependencies at start before exiting");
}

std::string AdvertisedAddress(const CommonOptions& options, const std::string& bind_addr,
                              int bound_port) {
  std::string host = options.advertise_host;
  if (host.empty()) {
    auto colon = bind_addr.rfind(':');
    host = colon == std::string::npos ? bind_addr : bind_addr.substr(0, colon);
    if (host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::") {
      char name[256] = {0};
      host = gethostname(name, sizeof(name) - 1) == 0 ? name : "localhost";
    }
  }
  return absl::StrCat(host, ":", bound_port);
}

}  // namespace datamesh::server
