#include "services/gateway/gateway_service.h"

#include <malloc.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/gateway/admin/admin_routes.h"
#include "services/gateway/api/openapi.h"
#include "services/gateway/grpc/public_grpc.h"
#include "services/gateway/http/api_error.h"
#include "services/gateway/http/http_server.h"
#include "services/gateway/limits/edge_metrics.h"
#include "services/gateway/live/live_feed.h"
#include "services/gateway/routes/access_log.h"
#include "services/gateway/routes/auth_routes.h"
#include "services/gateway/routes/file_routes.h"
#include "services/gateway/routes/governance_routes.h"
#include "services/gateway/routes/monitoring_routes.h"
#include "services/gateway/routes/s3_key_routes.h"
#include "services/gateway/s3/auth/auth_key_verifier.h"
#include "services/gateway/s3/auth/sigv4_authenticator.h"
#include "services/gateway/s3/s3_routes.h"
#include "shared/log/log.h"

namespace datamesh::gateway {
namespace {

class Parts : public server::ServiceParts {
 public:
  void Stop() override {
    if (edge_metrics) edge_metrics->Stop();
    // The gRPC server has already drained; HTTP requests get the same grace.
    if (http) http->Stop(std::chrono::steady_clock::now() + grace);
    if (s3_http) s3_http->Stop(std::chrono::steady_clock::now() + grace);
    if (limiter) limiter->Stop();  // reports the calls it admitted while quota is still reachable
    if (upstreams) upstreams->Stop();
  }
  std::unique_ptr<Upstreams> upstreams;
  std::unique_ptr<UpstreamClients> clients;
  std::unique_ptr<MonitoringClient> monitoring;  // /api/v1/monitoring
  std::unique_ptr<GovernanceClient> governance;  // /api/v1/governance
  std::unique_ptr<Authenticator> authenticator;
  std::unique_ptr<ApiCallLimiter> limiter;
  std::unique_ptr<ServiceDirectory> services;
  std::unique_ptr<StaticFiles> static_files;
  ApiContext api;
  // FileService, AuthService, QuotaService and GovernanceService on the runtime's gRPC server,
  // over `api`.
  std::unique_ptr<public_grpc::PublicGrpcServices> public_grpc;
  std::unique_ptr<live::LiveFeed> live;  // GET /api/v1/ws
  // The S3 endpoint (--s3-addr): SigV4 through auth, and the context its handlers share.
  std::unique_ptr<s3::AuthKeyVerifier> s3_verifier;
  std::unique_ptr<s3::SigV4Authenticator> s3_authenticator;
  std::unique_ptr<s3::S3Context> s3;
  // Last: stopped and destroyed first, while what its handlers use still exists.
  std::unique_ptr<http::HttpServer> http;
  std::unique_ptr<http::HttpServer> s3_http;
  std::unique_ptr<EdgeMetrics> edge_metrics;  // reads `http`: destroyed before it
  std::chrono::milliseconds grace{0};
};

http::HttpServer::Options HttpOptions(const GatewayOptions& o) {
  http::HttpServer::Options h;
  h.bind_address = o.http_addr;
  h.ws_idle_timeout = absl::ToChronoMilliseconds(o.ws_idle_timeout);
  h.max_handler_threads = static_cast<size_t>(std::max<int64_t>(o.max_handler_threads, 1));
  h.io_threads = static_cast<size_t>(std::max<int64_t>(o.http_io_threads, 1));
  h.probe_threads = static_cast<size_t>(std::max<int64_t>(o.probe_threads, 1));
  h.max_connections = static_cast<size_t>(std::max<int64_t>(o.max_connections, 1));
  h.header_timeout = absl::ToChronoMilliseconds(o.header_timeout);
  h.idle_timeout = absl::ToChronoMilliseconds(o.idle_timeout);
  h.request_timeout = absl::ToChronoMilliseconds(o.request_timeout);
  h.io_timeout = absl::ToChronoMilliseconds(o.io_timeout);
  h.min_rate_bytes = static_cast<uint64_t>(std::max<int64_t>(o.min_transfer_bytes, 0));
  h.min_rate_window = absl::ToChronoMilliseconds(o.min_transfer_window);
  return h;
}

void WriteReadiness(const server::Runtime& runtime, const Upstreams& upstreams,
                    http::ResponseWriter& w) {
  bool ready = runtime.ready();
  std::string body =
      absl::StrCat("{\"status\":\"", ready ? "ready" : "not_ready", "\",\"checks\":{");
  bool first = true;
  auto add = [&](const std::string& name, bool ok) {
    absl::StrAppend(&body, first ? "" : ",", "\"", name, "\":\"", ok ? "ok" : "failing", "\"");
    first = false;
  };
  for (const auto& [name, status] : runtime.readiness().Results()) add(name, status.ok());
  body += "},\"upstreams\":{";
  first = true;
  for (const auto& [name, serving] : upstreams.Snapshot()) add(name, serving);
  body += "}}";
  w.SetStatus(ready ? 200 : 503);
  (void)w.WriteWhole(std::move(body), "application/json");
}

// What GET /admin/system and the static folder need.
absl::Status BuildAdmin(server::Runtime& runtime, const GatewayOptions& options, Parts& parts) {
  if (runtime.bus() != nullptr) {
    parts.services = std::make_unique<ServiceDirectory>();
    if (absl::Status s = parts.services->Subscribe(*runtime.bus()); !s.ok()) return s;
    parts.api.services = parts.services.get();
  }
  // An instance counts as present while one of its last few heartbeats is recent.
  parts.api.heartbeat_window = std::max(3 * runtime.options().heartbeat_interval, absl::Seconds(5));
  parts.api.version = runtime.version();
  parts.api.instance_id = runtime.instance_id();
  parts.api.started_at = absl::Now();
  if (!options.static_dir.empty()) {
    absl::StatusOr<StaticFiles> files = StaticFiles::Open(options.static_dir);
    if (!files.ok()) return files.status();
    parts.static_files = std::make_unique<StaticFiles>(*std::move(files));
    parts.api.static_files = parts.static_files.get();
  }
  return absl::OkStatus();
}

absl::Status BuildApi(server::Runtime& runtime, const GatewayOptions& options, Parts& parts) {
  parts.clients = std::make_unique<UpstreamClients>(
      UpstreamClients::Addresses{options.auth_addr, options.quota_addr, options.file_ingest_addr,
                                 options.dht_addr},
      &runtime.metrics());
  parts.authenticator = std::make_unique<Authenticator>(
      *parts.clients, TokenCache::Options{.ttl = options.token_cache_ttl}, options.rpc_timeout);
  if (runtime.bus() != nullptr) {
    if (absl::Status s = parts.authenticator->SubscribeRevocations(*runtime.bus()); !s.ok()) {
      return s;
    }
  } else {
    log::Warn("no bus: revoked tokens are honoured only after the token cache ttl");
  }
  parts.limiter =
      std::make_unique<ApiCallLimiter>(*parts.clients, runtime.metrics(), options.rpc_timeout);
  parts.api.clients = parts.clients.get();
  parts.api.authenticator = parts.authenticator.get();
  parts.api.limiter = parts.limiter.get();
  parts.api.json.max_bytes = static_cast<size_t>(options.max_json_bytes);
  parts.api.transfers = std::make_shared<TransferSlots>(options.max_transfers_per_user,
                                                        /*retry_after_seconds=*/5);
  absl::StatusOr<TrustedProxies> proxies = TrustedProxies::Parse(options.trusted_proxies);
  if (!proxies.ok()) return proxies.status();
  parts.api.proxies = std::make_shared<TrustedProxies>(*std::move(proxies));
  parts.api.max_upload_bytes = static_cast<uint64_t>(options.max_upload_bytes);
  parts.api.rpc_timeout = options.rpc_timeout;
  return BuildAdmin(runtime, options, parts);
}

// The S3 listener when --s3-addr is set: its own router over the same context as REST.
absl::Status BuildS3(server::Runtime& runtime, const GatewayOptions& options, Parts& parts) {
  if (options.s3_addr.empty()) return absl::OkStatus();
  parts.s3_verifier = std::make_unique<s3::AuthKeyVerifier>(*parts.clients, options.rpc_timeout);
  s3::SigV4Authenticator::Options auth_options;
  auth_options.region = options.s3_region;
  parts.s3_authenticator =
      std::make_unique<s3::SigV4Authenticator>(auth_options, *parts.s3_verifier);
  if (runtime.bus() != nullptr) {
    if (absl::Status s = parts.s3_authenticator->SubscribeRevocations(*runtime.bus()); !s.ok()) {
      return s;
    }
  }
  parts.s3 = std::make_unique<s3::S3Context>(s3::S3Context{
      &parts.api, parts.s3_authenticator.get(), {options.s3_domain, options.s3_region}});
  http::HttpServer::Options s3_options = HttpOptions(options);
  s3_options.bind_address = options.s3_addr;
  parts.s3_http = std::make_unique<http::HttpServer>(s3_options, s3::MakeS3Router(*parts.s3));
  if (absl::Status s = parts.s3_http->Start(); !s.ok()) return s;
  log::Info("s3 listening", {{"addr", options.s3_addr}, {"port", int{parts.s3_http->port()}}});
  return absl::OkStatus();
}

}  // namespace

void AddApiRoutes(http::Router& router, const ApiContext& api) {
  AddAuthRoutes(router, api);
  AddS3KeyRoutes(router, api);
  AddFileRoutes(router, api);
  AddAdminRoutes(router, api);
  if (api.static_files != nullptr) StaticFiles::AddRoutes(router, *api.static_files);
}

void RegisterFlags(config::FlagSet& flags, GatewayOptions& o) {
  flags.AddString("http-addr", &o.http_addr, "HTTP (REST, WebSocket) listen address");
  flags.AddString("auth-addr", &o.auth_addr, "auth service gRPC address");
  flags.AddString("quota-addr", &o.quota_addr, "quota service gRPC address");
  flags.AddString("file-ingest-addr", &o.file_ingest_addr, "file-ingest service gRPC address");
  flags.AddString("dht-addr", &o.dht_addr, "dht service gRPC address");
  flags.AddString("monitoring-addr", &o.monitoring_addr, "monitoring service gRPC address");
  flags.AddString("governance-addr", &o.governance_addr, "governance service gRPC address");
  flags.AddInt("max-upload-bytes", &o.max_upload_bytes, "largest accepted upload body, bytes");
  flags.AddInt("max-json-bytes", &o.max_json_bytes, "largest accepted JSON request body, bytes");
  flags.AddDuration("rpc-timeout", &o.rpc_timeout, "deadline of unary calls to the services");
  flags.AddDuration("token-cache-ttl", &o.token_cache_ttl,
                    "how long a validated bearer token is trusted before asking auth again");
  flags.AddString("static-dir", &o.static_dir, "folder served at / (empty: none)");
  flags.AddDuration("ws-idle-timeout", &o.ws_idle_timeout,
                    "a WebSocket idle this long is pinged at half of it and closed if the ping "
                    "goes unanswered");
  flags.AddInt("max-handler-threads", &o.max_handler_threads,
               "most HTTP requests handled at once (threads started on demand)");
  flags.AddInt("http-io-threads", &o.http_io_threads,
               "threads running the HTTP sockets' I/O (handlers run on their own threads)");
  flags.AddInt("probe-threads", &o.probe_threads,
               "threads answering /healthz and /readyz, apart from every other request");
  flags.AddInt("max-connections", &o.max_connections,
               "most open HTTP connections; past it new ones get 503 with Retry-After");
  flags.AddDuration("header-timeout", &o.header_timeout,
                    "time a request's header may take to arrive, from its first byte");
  flags.AddDuration("idle-timeout", &o.idle_timeout,
                    "time a kept-alive connection may wait for its next request");
  flags.AddDuration("request-timeout", &o.request_timeout,
                    "time a request that is not an upload or download may take in all");
  flags.AddDuration("io-timeout", &o.io_timeout,
                    "longest wait for one read or write of a transfer");
  flags.AddInt("min-transfer-bytes", &o.min_transfer_bytes,
               "an upload or download moving fewer bytes than this per --min-transfer-window of "
               "waiting on the client is cut");
  flags.AddDuration("min-transfer-window", &o.min_transfer_window,
                    "the window of --min-transfer-bytes");
  flags.AddInt("max-transfers-per-user", &o.max_transfers_per_user,
               "uploads and downloads one user may have in flight at once (0: unbounded); past "
               "it 429 with Retry-After");
  flags.AddString("trusted-proxies", &o.trusted_proxies,
                  "comma-separated CIDRs of proxies whose X-Forwarded-For names the client "
                  "(empty: the header is ignored)");
  flags.AddString("s3-addr", &o.s3_addr, "S3 API listen address (empty: no S3 endpoint)");
  flags.AddString("s3-domain", &o.s3_domain,
                  "domain of virtual-host style S3 requests, {bucket}.{domain} (empty: path "
                  "style only)");
  flags.AddString("s3-region", &o.s3_region, "the region the S3 endpoint answers for");
}

http::Router MakeRouter(const server::Runtime& runtime, const Upstreams& upstreams,
                        const ApiContext* api) {
  http::Router router;
  if (api != nullptr) AddApiRoutes(router, *api);
  // Probes run on the server's probe lane: they never wait behind other requests.
  const http::RouteOptions probe{.probe = true};
  router.Handle(
      "GET", "/healthz",
      [](const http::Request&, http::BodyReader&, http::ResponseWriter& w) {
        (void)w.WriteWhole("{\"status\":\"ok\"}", "application/json");
      },
      probe);
  router.Handle("GET", "/api/v1/openapi.json",
                WithAccessLog([](const http::Request&, http::BodyReader&, http::ResponseWriter& w) {
                  (void)w.WriteWhole(std::string(OpenApiJson()), "application/json");
                }));
  router.Handle(
      "GET", "/readyz",
      [&runtime, &upstreams](const http::Request&, http::BodyReader&, http::ResponseWriter& w) {
        WriteReadiness(runtime, upstreams, w);
      },
      probe);
  // Monitoring's routes (metrics, health, alerts, rules, analytics, the Prometheus API) are
  // registered in Build (monitoring_routes.h).
  return router;
}

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const GatewayOptions& options) {
  // Up to --max-handler-threads threads allocate transfer buffers; glibc would give each group of
  // them an arena of its own (up to 8 per core) and keep every arena's freed memory. A few
  // arenas bound what a crowd of transfers leaves behind.
  mallopt(M_ARENA_MAX, 4);
  auto parts = std::make_unique<Parts>();
  parts->grace = absl::ToChronoMilliseconds(runtime.options().shutdown_grace);
  parts->upstreams = std::make_unique<Upstreams>(
      std::vector<Upstreams::Upstream>{{"auth", options.auth_addr, true},
                                       {"quota", options.quota_addr, true},
                                       {"file-ingest", options.file_ingest_addr, true},
                                       {"dht", options.dht_addr, false},
                                       {"monitoring", options.monitoring_addr, false},
                                       {"governance", options.governance_addr, false}},
      runtime.options().readiness_interval);
  runtime.readiness().Add("upstreams",
                          [u = parts->upstreams.get()] { return u->CriticalServing(); });

  if (absl::Status s = BuildApi(runtime, options, *parts); !s.ok()) return s;
  parts->governance = std::make_unique<GovernanceClient>(options.governance_addr);
  parts->public_grpc =
      std::make_unique<public_grpc::PublicGrpcServices>(parts->api, *parts->governance);
  parts->public_grpc->Register(runtime);

  http::HttpServer::Options http_options = HttpOptions(options);
  http::Router router = MakeRouter(runtime, *parts->upstreams, &parts->api);
  parts->monitoring = std::make_unique<MonitoringClient>(options.monitoring_addr);
  AddMonitoringRoutes(router, parts->api, *parts->monitoring);
  AddGovernanceRoutes(router, parts->api, *parts->governance);
  auto feed = live::LiveFeed::Start(runtime.bus(), {}, &runtime.metrics());
  if (!feed.ok()) return feed.status();
  parts->live = *std::move(feed);
  // An upgrade is one API call, like any request.
  auto authenticate = [&api = parts->api](std::string_view authorization,
                                          const http::Request& r) -> absl::StatusOr<Caller> {
    absl::StatusOr<Caller> caller = api.authenticator->Authenticate(authorization, r.request_id());
    if (!caller.ok()) return caller;
    if (absl::Status s = api.limiter->Check(*caller, r.request_id()); !s.ok()) return s;
    return caller;
  };
  router.HandleWebSocket("/api/v1/ws", parts->live->Handler(authenticate));
  parts->http = std::make_unique<http::HttpServer>(http_options, std::move(router));
  if (absl::Status s = parts->http->Start(); !s.ok()) return s;
  parts->edge_metrics =
      std::make_unique<EdgeMetrics>(runtime.metrics(), *parts->http, *parts->api.transfers);
  log::Info("http listening", {{"addr", options.http_addr}, {"port", int{parts->http->port()}}});
  if (absl::Status s = BuildS3(runtime, options, *parts); !s.ok()) return s;
  return parts;
}

}  // namespace datamesh::gateway
