// The /api/v1/admin routes of docs/API.md, for callers with role "admin" (others get 403):
//   GET  /admin/users                 AuthService.ListUsers + each user's QuotaService usage
//   PUT  /admin/users/{id}            AuthService.UpdateUser {"role"?, "tier"?}
//   GET  /admin/audit                 AuthService.QueryAudit with every filter
//   POST /admin/maintenance           FileService.RunMaintenance -> 202 {"jobId"}
//   GET  /admin/maintenance/{jobId}   FileService.GetMaintenanceJob
//   GET  /admin/system                see admin_system.h
// A service that does not implement an RPC yet answers UNIMPLEMENTED, which is 501 here.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/gateway/api_context.h"
#include "services/gateway/http/router.h"

namespace datamesh::gateway {

void AddAdminRoutes(http::Router& router, const ApiContext& ctx);

// An RFC 3339 time of a query parameter (`name` names it in the error). INVALID_ARGUMENT
// when malformed.
absl::StatusOr<absl::Time> ParseQueryTime(std::string_view name, std::string_view text);

}  // namespace datamesh::gateway
