// GET /api/v1/admin/system: an overview for administrators, assembled from what the services
// already expose — nothing is estimated or made up:
//   {"gateway":   {"version","instanceId","startedAt","uptimeSeconds"},
//    "services":  [{"name","instances":[{"instanceId","version","grpcAddress","serving",
//                                         "startedAt","lastSeen"}]}],
//    "nodes":     {"total","up","down","writable","capacityBytes","usedBytes","shards"},
//    "totals":    {"users","files","logicalBytes","storedBytes","owners"},
//    "unavailable": ["dht: ...", ...]}
// Services come from dm.v1.service.heartbeat seen within the heartbeat window (ServiceDirectory);
// nodes from DhtService.ListNodes; users from AuthService.ListUsers (counted page by page);
// files and bytes from FileService.GetUsageSummary. A part whose source does not answer is left
// out and named in "unavailable", so a partial view is never mistaken for a complete one. Not
// available yet: per-service uptime beyond each heartbeat's startedAt, and request rates (the
// monitoring service will provide them).
#pragma once

#include "services/gateway/routes/api_context.h"

namespace datamesh::gateway {

void HandleSystem(const ApiContext& ctx, const Caller& caller, const http::Request& request,
                  http::ResponseWriter& w);

}  // namespace datamesh::gateway
