// The /api/v1/admin routes of docs/API.md, for callers with role "admin" (others get 403):
//   GET  /admin/users                 AuthService.ListUsers + each user's QuotaService usage
//   PUT  /admin/users/{id}            AuthService.UpdateUser {"role"?, "tier"?}
//   GET  /admin/audit                 AuthService.QueryAudit with every filter
//   POST /admin/maintenance           FileService.RunMaintenance -> 202 {"jobId"}
//   GET  /admin/maintenance/{jobId}   FileService.GetMaintenanceJob
//   GET  /admin/system                see admin_system.h
// A service that does not implement an RPC yet answers UNIMPLEMENTED, which is 501 here.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "datamesh/auth/v1/auth.pb.h"
#include "services/gateway/http/router.h"
#include "services/gateway/routes/api_context.h"

namespace datamesh::gateway {

void AddAdminRoutes(http::Router& router, const ApiContext& ctx);

// Shared with the public gRPC AuthService and FileService:

// Fills each user's `usage` from QuotaService.GetUsage.
[[nodiscard]] absl::Status FillUserUsage(const ApiContext& ctx, const CallOrigin& origin,
                                         auth::v1::ListUsersResponse& page);

// INVALID_ARGUMENT unless quota knows `tier` (auth checks only its form).
[[nodiscard]] absl::Status CheckTierExists(const ApiContext& ctx, const CallOrigin& origin,
                                           const std::string& tier);

// Appends the audit record of an operator's action (`admin.maintenance`,
// `admin.quota.reconcile`). Best effort: the action has already run (or failed), and the
// answer must say so whether or not the record could be written.
void AuditAdminAction(const ApiContext& ctx, const Caller& caller, const CallOrigin& origin,
                      const std::string& source_ip, const std::string& action,
                      const std::string& target, const std::string& outcome);

// An RFC 3339 time of a query parameter (`name` names it in the error). INVALID_ARGUMENT
// when malformed.
absl::StatusOr<absl::Time> ParseQueryTime(std::string_view name, std::string_view text);

}  // namespace datamesh::gateway
