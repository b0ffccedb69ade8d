// Options of the gateway: where it listens for HTTP and where the services behind it are.
#pragma once

#include <string>

#include "shared/config/flags.h"

namespace datamesh::gateway {

struct GatewayOptions {
  std::string http_addr = "0.0.0.0:8080";
  // gRPC addresses of the services behind the gateway; the defaults are the Kubernetes
  // Service names of the Helm chart.
  std::string auth_addr = "auth:7001";
  std::string quota_addr = "quota:7002";
  std::string file_ingest_addr = "file-ingest:7003";
  std::string dht_addr = "dht:7005";
  std::string monitoring_addr = "monitoring:7006";
  std::string governance_addr = "governance:7007";
};

void RegisterFlags(config::FlagSet& flags, GatewayOptions& options);

}  // namespace datamesh::gateway
