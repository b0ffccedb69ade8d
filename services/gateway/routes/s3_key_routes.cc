#include "services/gateway/routes/s3_key_routes.h"

#include "services/gateway/routes/access_log.h"
#include "services/gateway/upstream/rpc_status.h"
#include "services/gateway/upstream/unary_call.h"

namespace datamesh::gateway {
namespace {

namespace av1 = auth::v1;
using http::BodyReader;
using http::Request;
using http::ResponseWriter;

void CreateS3Key(const ApiContext& ctx, const Caller& caller, const Request& r, BodyReader& body,
                 ResponseWriter& w) {
  av1::CreateS3KeyRequest req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, &req); !s.ok()) return WriteApiError(w, s);
  req.set_user_id(caller.user_id);
  req.set_source_ip(SourceIp(ctx, r));
  av1::CreateS3KeyResponse resp;
  // As for API keys: auth seals the caller's private key under the new secret, and needs the
  // caller's live bearer secret to unseal it (Authed() validated it, so it is there).
  const std::string bearer = "Bearer " + BearerToken(r).value_or("");
  if (Unary(ctx, r, w, [&](auto& c) {
        c.AddMetadata("authorization", bearer);
        return ctx.clients->auth().CreateS3Key(&c, req, &resp);
      })) {
    WriteJson(w, 201, resp);
  }
}

void ListS3Keys(const ApiContext& ctx, const Caller& caller, const Request& r, ResponseWriter& w) {
  av1::ListS3KeysRequest req;
  req.set_user_id(caller.user_id);
  av1::ListS3KeysResponse resp;
  if (Unary(ctx, r, w, [&](auto& c) { return ctx.clients->auth().ListS3Keys(&c, req, &resp); })) {
    WriteJson(w, 200, resp);
  }
}

void RevokeS3Key(const ApiContext& ctx, const Caller& caller, const Request& r, ResponseWriter& w) {
  av1::RevokeS3KeyRequest req;
  req.set_user_id(caller.user_id);
  req.set_access_key_id(std::string(r.path_param("accessKeyId").value_or("")));
  req.set_source_ip(SourceIp(ctx, r));
  av1::RevokeS3KeyResponse resp;
  if (Unary(ctx, r, w, [&](auto& c) { return ctx.clients->auth().RevokeS3Key(&c, req, &resp); })) {
    NoContent(w);
  }
}

}  // namespace

void AddS3KeyRoutes(http::Router& router, const ApiContext& ctx) {
  const http::RouteOptions json{.body_limit = ctx.json.max_bytes};
  router.Handle("POST", "/api/v1/auth/s3-keys",
                Authed(ctx, [&ctx](const Caller& c, const Request& r, BodyReader& b,
                                   ResponseWriter& w) { CreateS3Key(ctx, c, r, b, w); }),
                json);
  router.Handle("GET", "/api/v1/auth/s3-keys",
                Authed(ctx, [&ctx](const Caller& c, const Request& r, BodyReader&,
                                   ResponseWriter& w) { ListS3Keys(ctx, c, r, w); }));
  router.Handle("DELETE", "/api/v1/auth/s3-keys/{accessKeyId}",
                Authed(ctx, [&ctx](const Caller& c, const Request& r, BodyReader&,
                                   ResponseWriter& w) { RevokeS3Key(ctx, c, r, w); }));
}

}  // namespace datamesh::gateway
