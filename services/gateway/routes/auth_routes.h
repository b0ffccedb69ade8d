// The /api/v1/auth routes of docs/API.md, served by AuthService (profile usage and limits by
// QuotaService). The gateway sets the caller's ids and the source address; what the client
// sends in those fields is overwritten.
#pragma once

#include "absl/status/statusor.h"
#include "datamesh/auth/v1/auth.pb.h"
#include "services/gateway/http/router.h"
#include "services/gateway/routes/api_context.h"

namespace datamesh::gateway {

// `ctx` must outlive the router.
void AddAuthRoutes(http::Router& router, const ApiContext& ctx);

// The caller's profile with usage and limits filled from QuotaService (REST GET /auth/profile,
// gRPC AuthService.GetProfile).
[[nodiscard]] absl::StatusOr<auth::v1::GetProfileResponse> LoadProfile(const ApiContext& ctx,
                                                                       const Caller& caller,
                                                                       const CallOrigin& origin);

}  // namespace datamesh::gateway
