// The gateway: the public edge. It serves the probes — GET /healthz (the process is up) and
// GET /readyz (its dependencies are reachable) — the /api/v1/auth, /api/v1/files,
// /api/v1/admin and /api/v1/monitoring routes of docs/API.md over AuthService, QuotaService,
// FileService, DhtService and MonitoringService, the OpenAPI document at /api/v1/openapi.json,
// an optional static folder at "/" (--static-dir), and answers the routes not built yet
// (/api/v1/monitoring/{health,alerts,analytics}, /api/v1/governance) with 501 in API.md's error
// shape: never a made-up success. On the runtime's gRPC server it serves the public gRPC
// FileService, AuthService and QuotaService (grpc/public_grpc.h) behind the same authentication.
//
// Build() wires the HTTP server, the upstream clients, authentication (with revocations and
// role changes from NATS), the edge rate limit, the upstream health watcher, the directory of
// service instances (heartbeats) and the gateway's readiness.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/gateway/gateway_options.h"
#include "services/gateway/http/router.h"
#include "services/gateway/routes/api_context.h"
#include "services/gateway/upstream/upstreams.h"
#include "shared/server/service_main.h"

namespace datamesh::gateway {

// The /api/v1 routes that are built (auth, files, admin) and the static folder when
// `api.static_files` is set; `api` must outlive the router.
void AddApiRoutes(http::Router& router, const ApiContext& api);

// The probe routes, the API routes when `api` is set, and the 501 answers of the routes not
// built yet. /readyz answers from `runtime`'s readiness and `upstreams`' detail; all must
// outlive the router.
http::Router MakeRouter(const server::Runtime& runtime, const Upstreams& upstreams,
                        const ApiContext* api = nullptr);

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const GatewayOptions& options);

}  // namespace datamesh::gateway
