#include "services/gateway/routes/s3_key_routes.h"

#include "services/gateway/routes/access_log.h"
#include "services/gateway/upstream/rpc_status.h"
#include "services/gateway/routes/sealed_credential.h"
#include "services/gateway/upstream/unary_call.h"

namespace datamesh::gateway {
namespace {

namespace av1 = auth::v1;
using http::BodyReader;
using http::Request;
using http::ResponseWriter;

using Auth = av1::AuthService::StubInterface;

void CreateS3Key(const ApiContext& ctx, const Caller& caller, const Request& r, BodyReader& body,
                 ResponseWriter& w) {
  CreateSealedCredential(ctx, caller, r, body, w, &Auth::CreateS3Key);
}

void ListS3Keys(const ApiContext& ctx, const Caller& caller, const Request& r, ResponseWriter& w) {
  av1::ListS3KeysRequest req;
  req.set_user_id(caller.user_id);
  Forward(ctx, r, w, ctx.clients->auth(), &Auth::ListS3Keys, req);
}

void RevokeS3Key(const ApiContext& ctx, const Caller& caller, const Request& r, ResponseWriter& w) {
  av1::RevokeS3KeyRequest req;
  req.set_user_id(caller.user_id);
  req.set_access_key_id(std::string(r.path_param("accessKeyId").value_or("")));
  req.set_source_ip(SourceIp(ctx, r));
  Forward(ctx, r, w, ctx.clients->auth(), &Auth::RevokeS3Key, req, 204);
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
