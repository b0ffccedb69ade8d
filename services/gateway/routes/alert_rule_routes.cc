// The admin-managed alert rule routes of /api/v1/monitoring (admins only), over
// MonitoringService's rule CRUD RPCs. A body is the rule as JSON (`{"rule": {...}}` or
// `{"ruleYaml": "..."}`), or, with Content-Type application/yaml (or text/yaml), the rule's YAML
// itself — what `datamesh alerts rules add -f rule.yml` sends.
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "services/gateway/admin/admin_routes.h"
#include "services/gateway/routes/monitoring_routes.h"
#include "services/gateway/upstream/unary_call.h"

namespace datamesh::gateway {
namespace {

namespace mv1 = monitoring::v1;
using http::BodyReader;
using http::Request;
using http::ResponseWriter;

// A YAML body (the rule file form) rather than JSON.
bool IsYaml(const Request& r) {
  const std::string type = absl::AsciiStrToLower(std::string(r.header("Content-Type").value_or("")));
  return absl::StartsWith(type, "application/yaml") || absl::StartsWith(type, "text/yaml") ||
         absl::StartsWith(type, "application/x-yaml");
}

// Fills `rule` and `rule_yaml` of a create or update request from the body.
template <typename Req>
absl::Status ParseRuleBody(const ApiContext& ctx, const Request& r, BodyReader& body, Req* req) {
  std::string text;
  if (absl::Status s = ReadBody(body, ctx.json.max_bytes, &text); !s.ok()) return s;
  if (text.empty()) return absl::InvalidArgumentError("the body must hold the rule");
  if (IsYaml(r)) {
    req->set_rule_yaml(std::move(text));
    return absl::OkStatus();
  }
  return ParseJson(text, ctx.json, req);
}

using Monitoring = mv1::MonitoringService::StubInterface;

void ListRules(const ApiContext& ctx, MonitoringClient& client, const Request& r,
               ResponseWriter& w) {
  Forward(ctx, r, w, client.stub(), &Monitoring::ListAlertRules, mv1::ListAlertRulesRequest());
}

void GetRule(const ApiContext& ctx, MonitoringClient& client, const Request& r,
             ResponseWriter& w) {
  mv1::GetAlertRuleRequest req;
  req.set_rule_id(std::string(r.path_param("id").value_or("")));
  ForwardPicked(ctx, r, w, client.stub(), &Monitoring::GetAlertRule, req,
                [](const mv1::GetAlertRuleResponse& resp) { return resp.rule(); });
}

void CreateRule(const ApiContext& ctx, MonitoringClient& client, const Request& r,
                BodyReader& body, ResponseWriter& w) {
  mv1::CreateAlertRuleRequest req;
  if (absl::Status s = ParseRuleBody(ctx, r, body, &req); !s.ok()) return WriteApiError(w, s);
  ForwardPicked(
      ctx, r, w, client.stub(), &Monitoring::CreateAlertRule, req,
      [](const mv1::CreateAlertRuleResponse& resp) { return resp.rule(); }, 201);
}

void UpdateRule(const ApiContext& ctx, MonitoringClient& client, const Request& r,
                BodyReader& body, ResponseWriter& w) {
  mv1::UpdateAlertRuleRequest req;
  if (absl::Status s = ParseRuleBody(ctx, r, body, &req); !s.ok()) return WriteApiError(w, s);
  // The path names the rule, whatever the body says.
  req.mutable_rule()->set_id(std::string(r.path_param("id").value_or("")));
  ForwardPicked(ctx, r, w, client.stub(), &Monitoring::UpdateAlertRule, req,
                [](const mv1::UpdateAlertRuleResponse& resp) { return resp.rule(); });
}

void DeleteRule(const ApiContext& ctx, MonitoringClient& client, const Request& r,
                ResponseWriter& w) {
  mv1::DeleteAlertRuleRequest req;
  req.set_rule_id(std::string(r.path_param("id").value_or("")));
  Forward(ctx, r, w, client.stub(), &Monitoring::DeleteAlertRule, req, 204);
}

}  // namespace

void AddAlertRuleRoutes(http::Router& router, const ApiContext& ctx, MonitoringClient& client) {
  const http::RouteOptions body{.body_limit = ctx.json.max_bytes};
  router.Handle("GET", "/api/v1/monitoring/alert-rules",
                MonitoringAdminRoute(ctx, client, ListRules));
  router.Handle("POST", "/api/v1/monitoring/alert-rules",
                MonitoringAdminRoute(ctx, client, CreateRule),
                body);
  router.Handle("GET", "/api/v1/monitoring/alert-rules/{id}",
                MonitoringAdminRoute(ctx, client, GetRule));
  router.Handle("PUT", "/api/v1/monitoring/alert-rules/{id}",
                MonitoringAdminRoute(ctx, client, UpdateRule),
                body);
  router.Handle("DELETE", "/api/v1/monitoring/alert-rules/{id}",
                MonitoringAdminRoute(ctx, client, DeleteRule));
}

}  // namespace datamesh::gateway
