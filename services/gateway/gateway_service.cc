#include "services/gateway/gateway_service.h"

#include "absl/strings/str_cat.h"
#include "services/gateway/http/api_error.h"
#include "services/gateway/http/http_server.h"
#include "shared/log/log.h"

namespace datamesh::gateway {
namespace {

class Parts : public server::ServiceParts {
 public:
  void Stop() override {
    // The gRPC server has already drained; HTTP requests get the same grace.
    if (http) http->Stop(std::chrono::steady_clock::now() + grace);
    if (upstreams) upstreams->Stop();
  }
  std::unique_ptr<Upstreams> upstreams;
  std::unique_ptr<http::HttpServer> http;
  std::chrono::milliseconds grace{0};
};

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

}  // namespace

void RegisterFlags(config::FlagSet& flags, GatewayOptions& o) {
  flags.AddString("http-addr", &o.http_addr, "HTTP (REST, WebSocket) listen address");
  flags.AddString("auth-addr", &o.auth_addr, "auth service gRPC address");
  flags.AddString("quota-addr", &o.quota_addr, "quota service gRPC address");
  flags.AddString("file-ingest-addr", &o.file_ingest_addr, "file-ingest service gRPC address");
  flags.AddString("dht-addr", &o.dht_addr, "dht service gRPC address");
  flags.AddString("monitoring-addr", &o.monitoring_addr, "monitoring service gRPC address");
  flags.AddString("governance-addr", &o.governance_addr, "governance service gRPC address");
}

http::Router MakeRouter(const server::Runtime& runtime, const Upstreams& upstreams) {
  http::Router router;
  router.Handle("GET", "/healthz",
                [](const http::Request&, http::BodyReader&, http::ResponseWriter& w) {
                  (void)w.WriteWhole("{\"status\":\"ok\"}", "application/json");
                });
  router.Handle(
      "GET", "/readyz",
      [&runtime, &upstreams](const http::Request&, http::BodyReader&, http::ResponseWriter& w) {
        WriteReadiness(runtime, upstreams, w);
      });
  auto not_built = [](const http::Request&, http::BodyReader&, http::ResponseWriter& w) {
    (void)w.WriteError(http::WithHttpError(
        absl::UnimplementedError("this endpoint is not available yet"), 501, "NOT_IMPLEMENTED"));
  };
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    router.Handle(method, "/api/v1/{rest*}", not_built);
  }
  return router;
}

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const GatewayOptions& options) {
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

  http::HttpServer::Options http_options;
  http_options.bind_address = options.http_addr;
  parts->http =
      std::make_unique<http::HttpServer>(http_options, MakeRouter(runtime, *parts->upstreams));
  if (absl::Status s = parts->http->Start(); !s.ok()) return s;
  log::Info("http listening", {{"addr", options.http_addr}, {"port", int{parts->http->port()}}});
  return parts;
}

}  // namespace datamesh::gateway
