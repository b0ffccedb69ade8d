#include "services/gateway/admin/admin_routes.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "services/gateway/admin/admin_system.h"
#include "services/gateway/routes/file_routes.h"
#include "services/gateway/upstream/unary_call.h"

namespace datamesh::gateway {
namespace {

namespace av1 = auth::v1;
namespace fv1 = file::v1;
using http::BodyReader;
using http::Request;
using http::ResponseWriter;
using Auth = av1::AuthService::StubInterface;
using Files = fv1::FileService::StubInterface;

CallOrigin AdminOrigin(const Request& r) { return CallOrigin{std::string(r.request_id())}; }

void ListUsers(const ApiContext& ctx, const Caller& caller, const Request& r, ResponseWriter& w) {
  absl::StatusOr<uint32_t> limit = ParseLimit(r.query_param("limit"));
  if (!limit.ok()) return WriteApiError(w, limit.status());
  av1::ListUsersRequest req;
  req.set_actor_id(caller.user_id);
  req.mutable_page()->set_limit(*limit);
  req.mutable_page()->set_cursor(std::string(r.query_param("cursor").value_or("")));
  av1::ListUsersResponse resp;
  if (!Unary(ctx, r, w, [&](auto& c) { return ctx.clients->auth().ListUsers(&c, req, &resp); })) {
    return;
  }
  if (absl::Status s = FillUserUsage(ctx, AdminOrigin(r), resp); !s.ok()) {
    return WriteApiError(w, s);
  }
  WriteJson(w, 200, resp);
}

// {"role"?, "tier"?} into `req`; INVALID_ARGUMENT for anything else or bad values.
absl::Status ParseUserUpdate(const ApiContext& ctx, BodyReader& body, av1::UpdateUserRequest* req) {
  std::string text;
  if (absl::Status s = ReadBody(body, ctx.json.max_bytes, &text); !s.ok()) return s;
  if (text.empty()) return absl::InvalidArgumentError("a JSON body is required");
  google::protobuf::Struct fields;
  if (absl::Status s = ParseJson(text, ctx.json, &fields); !s.ok()) return s;
  for (const auto& [key, value] : fields.fields()) {
    if (key != "role" && key != "tier") {
      return absl::InvalidArgumentError("only \"role\" and \"tier\" can be changed");
    }
    if (value.kind_case() != google::protobuf::Value::kStringValue) {
      return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" must be a string"));
    }
  }
  if (auto it = fields.fields().find("role"); it != fields.fields().end()) {
    const std::string& role = it->second.string_value();
    if (role != "user" && role != "admin") {
      return absl::InvalidArgumentError("role must be \"user\" or \"admin\"");
    }
    req->set_role(role);
  }
  if (auto it = fields.fields().find("tier"); it != fields.fields().end()) {
    req->set_tier(it->second.string_value());
  }
  if (!req->has_role() && !req->has_tier()) {
    return absl::InvalidArgumentError("nothing to change: give \"role\" and/or \"tier\"");
  }
  return absl::OkStatus();
}

void UpdateUser(const ApiContext& ctx, const Caller& caller, const Request& r, BodyReader& body,
                ResponseWriter& w) {
  av1::UpdateUserRequest req;
  if (absl::Status s = ParseUserUpdate(ctx, body, &req); !s.ok()) return WriteApiError(w, s);
  if (req.has_tier()) {
    if (absl::Status s = CheckTierExists(ctx, AdminOrigin(r), req.tier()); !s.ok()) {
      return WriteApiError(w, s);
    }
  }
  req.set_actor_id(caller.user_id);
  req.set_user_id(std::string(r.path_param("id").value_or("")));
  req.set_source_ip(SourceIp(ctx, r));
  av1::UpdateUserResponse resp;
  if (!Unary(ctx, r, w, [&](auto& c) { return ctx.clients->auth().UpdateUser(&c, req, &resp); })) {
    return;
  }
  // This gateway honours the change at once; others drop it on auth.user.updated.
  ctx.authenticator->ForgetUser(req.user_id());
  WriteJson(w, 200, resp);
}

void QueryAudit(const ApiContext& ctx, const Caller& caller, const Request& r, ResponseWriter& w) {
  absl::StatusOr<uint32_t> limit = ParseLimit(r.query_param("limit"));
  if (!limit.ok()) return WriteApiError(w, limit.status());
  av1::QueryAuditRequest req;
  req.set_actor_id(caller.user_id);
  req.set_user(std::string(r.query_param("user").value_or("")));
  req.set_action(std::string(r.query_param("action").value_or("")));
  for (const char* bound : {"from", "to"}) {
    std::optional<std::string_view> text = r.query_param(bound);
    if (!text) continue;
    absl::StatusOr<absl::Time> t = ParseQueryTime(bound, *text);
    if (!t.ok()) return WriteApiError(w, t.status());
    *(std::string_view(bound) == "from" ? req.mutable_from() : req.mutable_to()) =
        google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(*t));
  }
  req.mutable_page()->set_limit(*limit);
  req.mutable_page()->set_cursor(std::string(r.query_param("cursor").value_or("")));
  Forward(ctx, r, w, ctx.clients->auth(), &Auth::QueryAudit, req);
}

void RunMaintenance(const ApiContext& ctx, const Caller& caller, const Request& r, BodyReader& body,
                    ResponseWriter& w) {
  fv1::RunMaintenanceRequest req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, &req); !s.ok()) return WriteApiError(w, s);
  if (req.action() != "repair" && req.action() != "scrub" && req.action() != "gc" &&
      req.action() != "reencode") {
    return WriteApiError(w, absl::InvalidArgumentError(
                                "action must be \"repair\", \"scrub\", \"gc\" or \"reencode\""));
  }
  req.set_actor_id(caller.user_id);
  fv1::RunMaintenanceResponse resp;
  grpc::ClientContext context;
  PrepareContext(context, r.request_id(), ctx.rpc_timeout);
  grpc::Status rpc = ctx.clients->file().RunMaintenance(&context, req, &resp);
  if (!rpc.ok()) {
    if (rpc.error_code() != grpc::StatusCode::UNIMPLEMENTED) {
      AuditAdminAction(ctx, caller, AdminOrigin(r), SourceIp(ctx, r), "admin.maintenance",
                       req.action(), "failure");
    }
    return WriteApiError(w, StatusFromRpc(rpc, context));
  }
  AuditAdminAction(ctx, caller, AdminOrigin(r), SourceIp(ctx, r), "admin.maintenance",
                   resp.job_id(), "success");
  WriteJson(w, 202, resp);
}

// Runs quota's usage reconciliation now and answers what it corrected (it also runs hourly).
void ReconcileQuota(const ApiContext& ctx, const Caller& caller, const Request& r,
                    ResponseWriter& w) {
  quota::v1::ReconcileUsageResponse resp;
  grpc::ClientContext context;
  PrepareContext(context, r.request_id(), ctx.rpc_timeout);
  grpc::Status rpc =
      ctx.clients->quota().ReconcileUsage(&context, quota::v1::ReconcileUsageRequest(), &resp);
  const bool ok = rpc.ok();
  if (rpc.error_code() != grpc::StatusCode::UNIMPLEMENTED) {
    AuditAdminAction(ctx, caller, AdminOrigin(r), SourceIp(ctx, r), "admin.quota.reconcile",
                     "usage", ok ? "success" : "failure");
  }
  if (!ok) return WriteApiError(w, StatusFromRpc(rpc, context));
  WriteJson(w, 200, resp);
}

void GetMaintenanceJob(const ApiContext& ctx, const Caller&, const Request& r, ResponseWriter& w) {
  fv1::GetMaintenanceJobRequest req;
  req.set_job_id(std::string(r.path_param("jobId").value_or("")));
  Forward(ctx, r, w, ctx.clients->file(), &Files::GetMaintenanceJob, req);
}

template <typename F>
AuthedHandler NoBody(const ApiContext& ctx, F f) {
  return [&ctx, f](const Caller& c, const Request& r, BodyReader&, ResponseWriter& w) {
    f(ctx, c, r, w);
  };
}

template <typename F>
AuthedHandler WithBody(const ApiContext& ctx, F f) {
  return [&ctx, f](const Caller& c, const Request& r, BodyReader& b, ResponseWriter& w) {
    f(ctx, c, r, b, w);
  };
}

}  // namespace

absl::Status FillUserUsage(const ApiContext& ctx, const CallOrigin& origin,
                           av1::ListUsersResponse& page) {
  // One GetUsage per user of the page (at most `limit`); quota answers from Redis.
  for (av1::User& user : *page.mutable_users()) {
    quota::v1::GetUsageRequest req;
    req.set_user_id(user.id());
    quota::v1::GetUsageResponse usage;
    if (absl::Status s = CallUpstream(
            ctx, origin, [&](auto& c) { return ctx.clients->quota().GetUsage(&c, req, &usage); });
        !s.ok()) {
      return s;
    }
    *user.mutable_usage() = usage.usage();
  }
  return absl::OkStatus();
}

absl::Status CheckTierExists(const ApiContext& ctx, const CallOrigin& origin,
                             const std::string& tier) {
  quota::v1::ListTiersResponse tiers;
  if (absl::Status s = CallUpstream(ctx, origin,
                                    [&](auto& c) {
                                      return ctx.clients->quota().ListTiers(
                                          &c, quota::v1::ListTiersRequest(), &tiers);
                                    });
      !s.ok()) {
    return s;
  }
  for (const quota::v1::Tier& t : tiers.tiers()) {
    if (t.name() == tier) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown tier \"", tier, "\""));
}

void AuditAdminAction(const ApiContext& ctx, const Caller& caller, const CallOrigin& origin,
                      const std::string& source_ip, const std::string& action,
                      const std::string& target, const std::string& outcome) {
  grpc::ClientContext context;
  // Not bound to the client's deadline: the job has started whether or not the client waits.
  PrepareContext(context, CallOrigin{origin.request_id}, ctx.rpc_timeout);
  av1::RecordAuditRequest req;
  av1::AuditRecord& record = *req.mutable_record();
  record.set_actor(caller.user_id);
  record.set_action(action);
  record.set_target(target);
  record.set_outcome(outcome);
  record.set_source_ip(source_ip);
  av1::RecordAuditResponse resp;
  (void)ctx.clients->auth().RecordAudit(&context, req, &resp);
}

absl::StatusOr<absl::Time> ParseQueryTime(std::string_view name, std::string_view text) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, absl::string_view(text.data(), text.size()), &t,
                       &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(name), " must be an RFC 3339 time such as 2026-01-02T03:04:05Z"));
  }
  return t;
}

void AddAdminRoutes(http::Router& router, const ApiContext& ctx) {
  const http::RouteOptions json{.body_limit = ctx.json.max_bytes};
  const Access admin = Access::kAdmin;
  router.Handle("GET", "/api/v1/admin/users", Authed(ctx, NoBody(ctx, ListUsers), admin));
  router.Handle("PUT", "/api/v1/admin/users/{id}", Authed(ctx, WithBody(ctx, UpdateUser), admin),
                json);
  router.Handle("GET", "/api/v1/admin/audit", Authed(ctx, NoBody(ctx, QueryAudit), admin));
  router.Handle("POST", "/api/v1/admin/maintenance",
                Authed(ctx, WithBody(ctx, RunMaintenance), admin), json);
  router.Handle("GET", "/api/v1/admin/maintenance/{jobId}",
                Authed(ctx, NoBody(ctx, GetMaintenanceJob), admin));
  router.Handle("GET", "/api/v1/admin/system", Authed(ctx, NoBody(ctx, HandleSystem), admin));
  router.Handle("POST", "/api/v1/admin/quota/reconcile",
                Authed(ctx, NoBody(ctx, ReconcileQuota), admin));
}

}  // namespace datamesh::gateway
