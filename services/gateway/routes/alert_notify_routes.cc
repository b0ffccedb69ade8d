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

using Monitoring = mv1::MonitoringService::StubInterface;

void CreateSilence(const ApiContext& ctx, MonitoringClient& client, const Caller& caller,
                   const Request& r, BodyReader& body, ResponseWriter& w) {
  mv1::CreateSilenceRequest req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, req.mutable_silence()); !s.ok()) {
    return WriteApiError(w, s);
  }
  req.mutable_silence()->set_created_by(caller.username);
  ForwardPicked(
      ctx, r, w, client.stub(), &Monitoring::CreateSilence, req,
      [](const mv1::CreateSilenceResponse& resp) { return resp.silence(); }, 201);
}

void ListSilences(const ApiContext& ctx, MonitoringClient& client, const Request& r,
                  ResponseWriter& w) {
  Forward(ctx, r, w, client.stub(), &Monitoring::ListSilences, mv1::ListSilencesRequest());
}

void ExpireSilence(const ApiContext& ctx, MonitoringClient& client, const Request& r,
                   ResponseWriter& w) {
  mv1::ExpireSilenceRequest req;
  req.set_id(std::string(r.path_param("id").value_or("")));
  Forward(ctx, r, w, client.stub(), &Monitoring::ExpireSilence, req, 204);
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
  Forward(ctx, r, w, client.stub(), &Monitoring::AcknowledgeAlert, req);
}

}  // namespace

void AddAlertNotifyRoutes(http::Router& router, const ApiContext& ctx, MonitoringClient& client) {
  const http::RouteOptions json{.body_limit = ctx.json.max_bytes};
  router.Handle("GET", "/api/v1/monitoring/silences",
                MonitoringAdminRoute(ctx, client, ListSilences));
  router.Handle("POST", "/api/v1/monitoring/silences",
                MonitoringAdminRoute(ctx, client, CreateSilence),
                json);
  router.Handle("DELETE", "/api/v1/monitoring/silences/{id}",
                MonitoringAdminRoute(ctx, client, ExpireSilence));
  router.Handle("POST", "/api/v1/monitoring/alerts/{id}/ack",
                MonitoringAdminRoute(ctx, client, Acknowledge),
                json);
}

}  // namespace datamesh::gateway
