// The /api/v1/auth routes of docs/API.md, served by AuthService (profile usage and limits by
// QuotaService). The gateway sets the caller's ids and the source address; what the client
// sends in those fields is overwritten.
#pragma once

#include "services/gateway/api_context.h"
#include "services/gateway/http/router.h"

namespace datamesh::gateway {

// `ctx` must outlive the router.
void AddAuthRoutes(http::Router& router, const ApiContext& ctx);

}  // namespace datamesh::gateway
