// The gateway: the public edge. Today it serves the probes — GET /healthz (the process is up)
// and GET /readyz (its dependencies are reachable) — and answers every /api/v1 route with 501
// in API.md's error shape until the route's service is built: never a made-up success.
//
// Build() wires the HTTP server, the upstream health watcher and the gateway's readiness.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/gateway/gateway_options.h"
#include "services/gateway/http/router.h"
#include "services/gateway/upstreams.h"
#include "shared/server/service_main.h"

namespace datamesh::gateway {

// The probe and fallback routes. /readyz answers from `runtime`'s readiness and `upstreams`'
// detail; both must outlive the router.
http::Router MakeRouter(const server::Runtime& runtime, const Upstreams& upstreams);

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const GatewayOptions& options);

}  // namespace datamesh::gateway
