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

void ListRules(const ApiContext& ctx, MonitoringClient& client, const Request& r,
               ResponseWriter& w) {
  mv1::ListAlertRulesRequest req;
  mv1::ListAlertRulesResponse resp;
  if (Unary(ctx, r, w, [&](auto& c) { return client.stub().ListAlertRules(&c, req, &resp); })) {
    WriteJson(w, 200, resp);
  }
}

void GetRule(const ApiContext& ctx, MonitoringClient& client, const Request& r,
             ResponseWriter& w) {
  mv1::GetAlertRuleRequest req;
  req.set_rule_id(std::string(r.path_param("id").value_or("")));
  mv1::GetAlertRuleResponse resp;
  if (Unary(ctx, r, w, [&](auto& c) { return client.stub().GetAlertRule(&c, req, &resp); })) {
    WriteJson(w, 200, resp.rule());
  }
}

void CreateRule(const ApiContext& ctx, MonitoringClient& client, const Request& r,
                BodyReader& body, ResponseWriter& w) {
  mv1::CreateAlertRuleRequest req;
  if (absl::Status s = ParseRuleBody(ctx, r, body, &req); !s.ok()) return WriteApiError(w, s);
  mv1::CreateAlertRuleResponse resp;
  if (Unary(ctx, r, w, [&](auto& c) { return client.stub().CreateAlertRule(&c, req, &resp); })) {
    WriteJson(w, 201, resp.rule());
  }
}

void UpdateRule(const ApiContext& ctx, MonitoringClient& client, const Request& r,
                BodyReader& body, ResponseWriter& w) {
  mv1::UpdateAlertRuleRequest req;
  if (absl::Status s = ParseRuleBody(ctx, r, body, &req); !s.ok()) return WriteApiError(w, s);
  // The path names the rule, whatever the body says.
  req.mutable_rule()->set_id(std::string(r.path_param("id").value_or("")));
  mv1::UpdateAlertRuleResponse resp;
  if (Unary(ctx, r, w, [&](auto& c) { return client.stub().UpdateAlertRule(&c, req, &resp); })) {
    WriteJson(w, 200, resp.rule());
  }
}

void DeleteRule(const ApiContext& ctx, MonitoringClient& client, const Request& r,
                ResponseWriter& w) {
  mv1::DeleteAlertRuleRequest req;
  req.set_rule_id(std::string(r.path_param("id").value_or("")));
  mv1::DeleteAlertRuleResponse resp;
  if (Unary(ctx, r, w, [&](auto& c) { return client.stub().DeleteAlertRule(&c, req, &resp); })) {
    NoContent(w);
  }
}

}  // namespace

void AddAlertRuleRoutes(http::Router& router, const ApiContext& ctx, MonitoringClient& client) {
  const http::RouteOptions body{.body_limit = ctx.json.max_bytes};
  router.Handle("GET", "/api/v1/monitoring/alert-rules",
                Authed(
                    ctx,
                    [&ctx, &client](const Caller&, const Request& r, BodyReader&,
                                    ResponseWriter& w) { ListRules(ctx, client, r, w); },
                    Access::kAdmin));
  router.Handle("POST", "/api/v1/monitoring/alert-rules",
                Authed(
                    ctx,
                    [&ctx, &client](const Caller&, const Request& r, BodyReader& b,
                                    ResponseWriter& w) { CreateRule(ctx, client, r, b, w); },
                    Access::kAdmin),
                body);
  router.Handle("GET", "/api/v1/monitoring/alert-rules/{id}",
                Authed(
                    ctx,
                    [&ctx, &client](const Caller&, const Request& r, BodyReader&,
                                    ResponseWriter& w) { GetRule(ctx, client, r, w); },
                    Access::kAdmin));
  router.Handle("PUT", "/api/v1/monitoring/alert-rules/{id}",
                Authed(
                    ctx,
                    [&ctx, &client](const Caller&, const Request& r, BodyReader& b,
                                    ResponseWriter& w) { UpdateRule(ctx, client, r, b, w); },
                    Access::kAdmin),
                body);
  router.Handle("DELETE", "/api/v1/monitoring/alert-rules/{id}",
                Authed(
                    ctx,
                    [&ctx, &client](const Caller&, const Request& r, BodyReader&,
                                    ResponseWriter& w) { DeleteRule(ctx, client, r, w); },
                    Access::kAdmin));
}

}  // namespace datamesh::gateway
