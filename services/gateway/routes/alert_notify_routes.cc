// The silence and acknowledgement routes of /api/v1/monitoring (admins only), over
// MonitoringService's CreateSilence, ListSilences, ExpireSilence and AcknowledgeAlert. The
// caller's user name is the silence's creator and the ack's author, whatever the body says.
#include "services/gateway/admin/admin_routes.h"
#include "services/gateway/routes/monitoring_routes.h"
#include "services/gateway/upstream/unary_call.h"

namespace datamesh::gateway {
namespace {

namespace mv1 = monitoring::v1;
using http::BodyReader;
using http::Request;
using http::ResponseWriter;

void CreateSilence(const ApiContext& ctx, MonitoringClient& client, const Caller& caller,
                   const Request& r, BodyReader& body, ResponseWriter& w) {
  mv1::CreateSilenceRequest req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, req.mutable_silence()); !s.ok()) {
    return WriteApiError(w, s);
  }
  req.mutable_silence()->set_created_by(caller.username);
  mv1::CreateSilenceResponse resp;
  if (Unary(ctx, r, w, [&](auto& c) { return client.stub().CreateSilence(&c, req, &resp); })) {
    WriteJson(w, 201, resp.silence());
  }
}

void ListSilences(const ApiContext& ctx, MonitoringClient& client, const Request& r,
                  ResponseWriter& w) {
  mv1::ListSilencesRequest req;
  mv1::ListSilencesResponse resp;
  if (Unary(ctx, r, w, [&](auto& c) { return client.stub().ListSilences(&c, req, &resp); })) {
    WriteJson(w, 200, resp);
  }
}

void ExpireSilence(const ApiContext& ctx, MonitoringClient& client, const Request& r,
                   ResponseWriter& w) {
  mv1::ExpireSilenceRequest req;
  req.set_id(std::string(r.path_param("id").value_or("")));
  mv1::ExpireSilenceResponse resp;
  if (Unary(ctx, r, w, [&](auto& c) { return client.stub().ExpireSilence(&c, req, &resp); })) {
    NoContent(w);
  }
}

// The body is optional: {"comment": "..."}.
void Acknowledge(const ApiContext& ctx, MonitoringClient& client, const Caller& caller,
                 const Request& r, BodyReader& body, ResponseWriter& w) {
  mv1::AcknowledgeAlertRequest req;
  std::string text;
  if (absl::Status s = ReadBody(body, ctx.json.max_bytes, &text); !s.ok()) {
    return WriteApiError(w, s);
  }
  if (!text.empty()) {
    if (absl::Status s = ParseJson(text, ctx.json, &req); !s.ok()) return WriteApiError(w, s);
  }
  req.set_id(std::string(r.path_param("id").value_or("")));
  req.set_by(caller.username);
  mv1::AcknowledgeAlertResponse resp;
  if (Unary(ctx, r, w, [&](auto& c) { return client.stub().AcknowledgeAlert(&c, req, &resp); })) {
    WriteJson(w, 200, resp);
  }
}

}  // namespace

void AddAlertNotifyRoutes(http::Router& router, const ApiContext& ctx, MonitoringClient& client) {
  const http::RouteOptions json{.body_limit = ctx.json.max_bytes};
  router.Handle("GET", "/api/v1/monitoring/silences",
                Authed(
                    ctx,
                    [&ctx, &client](const Caller&, const Request& r, BodyReader&,
                                    ResponseWriter& w) { ListSilences(ctx, client, r, w); },
                    Access::kAdmin));
  router.Handle("POST", "/api/v1/monitoring/silences",
                Authed(
                    ctx,
                    [&ctx, &client](const Caller& c, const Request& r, BodyReader& b,
                                    ResponseWriter& w) { CreateSilence(ctx, client, c, r, b, w); },
                    Access::kAdmin),
                json);
  router.Handle("DELETE", "/api/v1/monitoring/silences/{id}",
                Authed(
                    ctx,
                    [&ctx, &client](const Caller&, const Request& r, BodyReader&,
                                    ResponseWriter& w) { ExpireSilence(ctx, client, r, w); },
                    Access::kAdmin));
  router.Handle("POST", "/api/v1/monitoring/alerts/{id}/ack",
                Authed(
                    ctx,
                    [&ctx, &client](const Caller& c, const Request& r, BodyReader& b,
                                    ResponseWriter& w) { Acknowledge(ctx, client, c, r, b, w); },
                    Access::kAdmin),
                json);
}

}  // namespace datamesh::gateway
