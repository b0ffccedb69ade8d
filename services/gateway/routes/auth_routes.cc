#include "services/gateway/routes/auth_routes.h"

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

void Register(const ApiContext& ctx, const Request& r, BodyReader& body, ResponseWriter& w) {
  av1::RegisterRequest req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, &req); !s.ok()) return WriteApiError(w, s);
  req.set_source_ip(SourceIp(ctx, r));
  Forward(ctx, r, w, ctx.clients->auth(), &Auth::Register, req, 201);
}

void Login(const ApiContext& ctx, const Request& r, BodyReader& body, ResponseWriter& w) {
  av1::LoginRequest req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, &req); !s.ok()) return WriteApiError(w, s);
  req.set_source_ip(SourceIp(ctx, r));
  Forward(ctx, r, w, ctx.clients->auth(), &Auth::Login, req);
}

void Logout(const ApiContext& ctx, const Caller&, const Request& r, ResponseWriter& w) {
  av1::LogoutRequest req;
  // Authed() already validated the header, so the secret is there.
  req.set_token(BearerToken(r).value_or(""));
  req.set_source_ip(SourceIp(ctx, r));
  av1::LogoutResponse resp;
  if (Unary(ctx, r, w, [&](auto& c) { return ctx.clients->auth().Logout(&c, req, &resp); })) {
    ctx.authenticator->Forget(TokenHash(req.token()));
    NoContent(w);
  }
}

void Profile(const ApiContext& ctx, const Caller& caller, const Request& r, ResponseWriter& w) {
  absl::StatusOr<av1::GetProfileResponse> profile =
      LoadProfile(ctx, caller, CallOrigin{std::string(r.request_id())});
  if (!profile.ok()) return WriteApiError(w, profile.status());
  WriteJson(w, 200, *profile);
}

void CreateKey(const ApiContext& ctx, const Caller& caller, const Request& r, BodyReader& body,
               ResponseWriter& w) {
  CreateSealedCredential(ctx, caller, r, body, w, &Auth::CreateApiKey);
}

void ListKeys(const ApiContext& ctx, const Caller& caller, const Request& r, ResponseWriter& w) {
  av1::ListApiKeysRequest req;
  req.set_user_id(caller.user_id);
  Forward(ctx, r, w, ctx.clients->auth(), &Auth::ListApiKeys, req);
}

void RevokeKey(const ApiContext& ctx, const Caller& caller, const Request& r, ResponseWriter& w) {
  av1::RevokeApiKeyRequest req;
  req.set_user_id(caller.user_id);
  req.set_key_id(std::string(r.path_param("id").value_or("")));
  req.set_source_ip(SourceIp(ctx, r));
  Forward(ctx, r, w, ctx.clients->auth(), &Auth::RevokeApiKey, req, 204);
}

void ChangePassword(const ApiContext& ctx, const Caller& caller, const Request& r,
                    BodyReader& body, ResponseWriter& w) {
  av1::ChangePasswordRequest req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, &req); !s.ok()) return WriteApiError(w, s);
  req.set_user_id(caller.user_id);
  req.set_source_ip(SourceIp(ctx, r));
  av1::ChangePasswordResponse resp;
  // auth keeps the request's own session when it ends the others, so it needs the secret;
  // Authed() already validated the header, so the secret is there.
  const std::string bearer = "Bearer " + BearerToken(r).value_or("");
  if (Unary(ctx, r, w, [&](auto& c) {
        c.AddMetadata("authorization", bearer);
        return ctx.clients->auth().ChangePassword(&c, req, &resp);
      })) {
    NoContent(w);
  }
}

void CreateRecoveryCode(const ApiContext& ctx, const Caller& caller, const Request& r,
                        BodyReader& body, ResponseWriter& w) {
  av1::CreateRecoveryCodeRequest req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, &req); !s.ok()) return WriteApiError(w, s);
  req.set_user_id(caller.user_id);
  req.set_source_ip(SourceIp(ctx, r));
  Forward(ctx, r, w, ctx.clients->auth(), &Auth::CreateRecoveryCode, req, 201);
}

void GetRecoveryCode(const ApiContext& ctx, const Caller& caller, const Request& r,
                     ResponseWriter& w) {
  av1::GetRecoveryCodeRequest req;
  req.set_user_id(caller.user_id);
  Forward(ctx, r, w, ctx.clients->auth(), &Auth::GetRecoveryCode, req);
}

void ResetPassword(const ApiContext& ctx, const Request& r, BodyReader& body, ResponseWriter& w) {
  av1::ResetPasswordRequest req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, &req); !s.ok()) return WriteApiError(w, s);
  req.set_source_ip(SourceIp(ctx, r));
  Forward(ctx, r, w, ctx.clients->auth(), &Auth::ResetPassword, req, 204);
}

}  // namespace

absl::StatusOr<av1::GetProfileResponse> LoadProfile(const ApiContext& ctx, const Caller& caller,
                                                    const CallOrigin& origin) {
  av1::GetProfileRequest req;
  req.set_user_id(caller.user_id);
  av1::GetProfileResponse resp;
  if (absl::Status s = CallUpstream(
          ctx, origin, [&](auto& c) { return ctx.clients->auth().GetProfile(&c, req, &resp); });
      !s.ok()) {
    return s;
  }
  quota::v1::GetUsageRequest usage_req;
  usage_req.set_user_id(caller.user_id);
  quota::v1::GetUsageResponse usage;
  if (absl::Status s = CallUpstream(
          ctx, origin,
          [&](auto& c) { return ctx.clients->quota().GetUsage(&c, usage_req, &usage); });
      !s.ok()) {
    return s;
  }
  quota::v1::GetLimitsRequest limits_req;
  limits_req.set_user_id(caller.user_id);
  limits_req.set_tier(caller.tier);
  quota::v1::GetLimitsResponse limits;
  if (absl::Status s = CallUpstream(
          ctx, origin,
          [&](auto& c) { return ctx.clients->quota().GetLimits(&c, limits_req, &limits); });
      !s.ok()) {
    return s;
  }
  *resp.mutable_usage() = usage.usage();
  *resp.mutable_limits() = limits.limits();
  return resp;
}

void AddAuthRoutes(http::Router& router, const ApiContext& ctx) {
  const http::RouteOptions json{.body_limit = ctx.json.max_bytes};
  router.Handle("POST", "/api/v1/auth/register",
                WithAccessLog([&ctx](const Request& r, BodyReader& b, ResponseWriter& w) {
                  Register(ctx, r, b, w);
                }),
                json);
  router.Handle("POST", "/api/v1/auth/login",
                WithAccessLog([&ctx](const Request& r, BodyReader& b, ResponseWriter& w) {
                  Login(ctx, r, b, w);
                }),
                json);
  router.Handle("POST", "/api/v1/auth/logout",
                Authed(ctx, [&ctx](const Caller& c, const Request& r, BodyReader&,
                                   ResponseWriter& w) { Logout(ctx, c, r, w); }),
                json);
  router.Handle("GET", "/api/v1/auth/profile",
                Authed(ctx, [&ctx](const Caller& c, const Request& r, BodyReader&,
                                   ResponseWriter& w) { Profile(ctx, c, r, w); }));
  router.Handle("PUT", "/api/v1/auth/password",
                Authed(ctx, [&ctx](const Caller& c, const Request& r, BodyReader& b,
                                   ResponseWriter& w) { ChangePassword(ctx, c, r, b, w); }),
                json);
  router.Handle("POST", "/api/v1/auth/password/reset",
                WithAccessLog([&ctx](const Request& r, BodyReader& b, ResponseWriter& w) {
                  ResetPassword(ctx, r, b, w);
                }),
                json);
  router.Handle("POST", "/api/v1/auth/recovery-code",
                Authed(ctx, [&ctx](const Caller& c, const Request& r, BodyReader& b,
                                   ResponseWriter& w) { CreateRecoveryCode(ctx, c, r, b, w); }),
                json);
  router.Handle("GET", "/api/v1/auth/recovery-code",
                Authed(ctx, [&ctx](const Caller& c, const Request& r, BodyReader&,
                                   ResponseWriter& w) { GetRecoveryCode(ctx, c, r, w); }));
  router.Handle("POST", "/api/v1/auth/api-keys",
                Authed(ctx, [&ctx](const Caller& c, const Request& r, BodyReader& b,
                                   ResponseWriter& w) { CreateKey(ctx, c, r, b, w); }),
                json);
  router.Handle("GET", "/api/v1/auth/api-keys",
                Authed(ctx, [&ctx](const Caller& c, const Request& r, BodyReader&,
                                   ResponseWriter& w) { ListKeys(ctx, c, r, w); }));
  router.Handle("DELETE", "/api/v1/auth/api-keys/{id}",
                Authed(ctx, [&ctx](const Caller& c, const Request& r, BodyReader&,
                                   ResponseWriter& w) { RevokeKey(ctx, c, r, w); }));
}

}  // namespace datamesh::gateway
