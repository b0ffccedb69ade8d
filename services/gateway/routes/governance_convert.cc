#include "services/gateway/routes/governance_convert.h"

#include "absl/strings/str_cat.h"
#include "services/gateway/admin/admin_routes.h"
#include "services/gateway/routes/file_routes.h"

namespace datamesh::gateway {

absl::Status BindAccount(const Caller& caller, std::string_view json_name, std::string* field) {
  if (!field->empty() && *field != caller.user_id) {
    return absl::PermissionDeniedError(absl::StrCat(
        "\"", std::string(json_name), "\" may only name your own account (leave it out)"));
  }
  *field = caller.user_id;
  return absl::OkStatus();
}

http::Handler GovernanceRoute(const ApiContext& ctx, GovernanceClient& client,
                              GovernanceHandler handler, Access access) {
  return Authed(
      ctx,
      [&ctx, &client, handler](const Caller& c, const http::Request& r, http::BodyReader& b,
                               http::ResponseWriter& w) { handler(ctx, client, c, r, b, w); },
      access);
}

absl::Status ParsePage(const http::Request& r, common::v1::PageRequest* page) {
  absl::StatusOr<uint32_t> limit = ParseLimit(r.query_param("limit"));
  if (!limit.ok()) return limit.status();
  page->set_limit(*limit);
  page->set_cursor(std::string(r.query_param("cursor").value_or("")));
  return absl::OkStatus();
}

void AuditGovernance(const ApiContext& ctx, const Caller& caller, const http::Request& r,
                     const grpc::Status& rpc, std::string_view action, std::string_view target,
                     bool succeeded) {
  if (rpc.error_code() == grpc::StatusCode::UNIMPLEMENTED) return;
  AuditAdminAction(ctx, caller, CallOrigin{std::string(r.request_id())}, SourceIp(ctx, r),
                   std::string(action), std::string(target),
                   rpc.ok() && succeeded ? "success" : "failure");
}

std::string PathId(const http::Request& r) {
  return std::string(r.path_param("id").value_or(""));
}

}  // namespace datamesh::gateway
