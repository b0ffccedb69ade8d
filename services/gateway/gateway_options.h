// Options of the gateway: where it listens for HTTP and where the services behind it are.
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"
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
  // Largest upload body (POST /files); JSON bodies are capped much lower.
  int64_t max_upload_bytes = int64_t{64} << 30;
  int64_t max_json_bytes = 64 * 1024;
  // Deadline of unary calls to the services.
  absl::Duration rpc_timeout = absl::Seconds(30);
  // How long a validated bearer secret is trusted without asking auth again.
  absl::Duration token_cache_ttl = absl::Seconds(3);
  // Folder served at "/" (the web UI); empty: none, "/" answers 404.
  std::string static_dir;
  // A WebSocket idle this long is pinged at half of it and closed if the ping goes unanswered.
  absl::Duration ws_idle_timeout = absl::Seconds(60);
  // The edge's own limits (http/http_server.h explains each).
  int64_t max_handler_threads = 1024;
  int64_t http_io_threads = 2;
  int64_t probe_threads = 2;
  int64_t max_connections = 4096;
  absl::Duration header_timeout = absl::Seconds(10);
  absl::Duration idle_timeout = absl::Seconds(60);
  absl::Duration request_timeout = absl::Seconds(30);
  absl::Duration io_timeout = absl::Seconds(60);
  int64_t min_transfer_bytes = 16 * 1024;
  absl::Duration min_transfer_window = absl::Seconds(30);
  // Uploads and downloads one user may have in flight on one gateway (0: unbounded).
  int64_t max_transfers_per_user = 8;
  // CIDRs of proxies whose X-Forwarded-For names the client (comma-separated; empty: none).
  std::string trusted_proxies;
  // The S3 API's listener (docs/S3.md); empty: no S3 endpoint.
  std::string s3_addr;
  // Virtual-host style S3 requests, {bucket}.{s3_domain}; empty: path style only.
  std::string s3_domain;
  // The one region the S3 endpoint answers for (signatures must name it).
  std::string s3_region = "us-east-1";
};

void RegisterFlags(config::FlagSet& flags, GatewayOptions& options);

}  // namespace datamesh::gateway
