#include "services/gateway/grpc/public_auth_service.h"

#include <string>

#include "services/gateway/admin/admin_routes.h"
#include "services/gateway/grpc/caller_binding.h"
#include "services/gateway/grpc/public_call.h"
#include "services/gateway/identity/bearer_token.h"
#include "services/gateway/routes/auth_routes.h"
#include "services/gateway/upstream/unary_call.h"

namespace datamesh::gateway::public_grpc {
namespace {

namespace av1 = auth::v1;

constexpr char kAuthService[] = "/datamesh.auth.v1.AuthService/";

std::string AuthMethod(std::string_view name) { return kAuthService + std::string(name); }

// auth needs the caller's own live secret for these (CreateApiKey seals the private key under
// the new key; ChangePassword keeps the caller's session), as REST passes it.
void ForwardSecret(const PublicCall& call, grpc::ClientContext& context) {
  context.AddMetadata("authorization", "Bearer " + call.secret);
}

}  // namespace

grpc::Status PublicAuthService::Register(grpc::ServerContext* server,
                                         const av1::RegisterRequest* req,
                                         av1::RegisterResponse* resp) {
  return ServeUnary(ctx_, *server, AuthMethod("Register"), [&](const PublicCall& call, auto& c) {
    av1::RegisterRequest bound = *req;
    bound.set_source_ip(call.source_ip);
    return ctx_.clients->auth().Register(&c, bound, resp);
  });
}

grpc::Status PublicAuthService::Login(grpc::ServerContext* server, const av1::LoginRequest* req,
                                      av1::LoginResponse* resp) {
  return ServeUnary(ctx_, *server, AuthMethod("Login"), [&](const PublicCall& call, auto& c) {
    av1::LoginRequest bound = *req;
    bound.set_source_ip(call.source_ip);  // the per-address login limit
    return ctx_.clients->auth().Login(&c, bound, resp);
  });
}

grpc::Status PublicAuthService::Logout(grpc::ServerContext* server, const av1::LogoutRequest*,
                                       av1::LogoutResponse* resp) {
  return ServeUnary(ctx_, *server, AuthMethod("Logout"), [&](const PublicCall& call, auto& c) {
    // Always the caller's own token, never one named in the request.
    av1::LogoutRequest bound;
    bound.set_token(call.secret);
    bound.set_source_ip(call.source_ip);
    grpc::Status rpc = ctx_.clients->auth().Logout(&c, bound, resp);
    if (rpc.ok()) ctx_.authenticator->Forget(TokenHash(call.secret));
    return rpc;
  });
}

grpc::Status PublicAuthService::GetProfile(grpc::ServerContext* server,
                                           const av1::GetProfileRequest*,
                                           av1::GetProfileResponse* resp) {
  return Serve(ctx_, *server, AuthMethod("GetProfile"), [&](const PublicCall& call) {
    absl::StatusOr<av1::GetProfileResponse> profile = LoadProfile(ctx_, call.caller, call.origin);
    if (!profile.ok()) return profile.status();
    *resp = *std::move(profile);
    return absl::OkStatus();
  });
}

grpc::Status PublicAuthService::ChangePassword(grpc::ServerContext* server,
                                               const av1::ChangePasswordRequest* req,
                                               av1::ChangePasswordResponse* resp) {
  return ServeUnary(ctx_, *server, AuthMethod("ChangePassword"),
                    [&](const PublicCall& call, auto& c) {
                      av1::ChangePasswordRequest bound = *req;
                      BindToCaller(call.caller, bound);
                      bound.set_source_ip(call.source_ip);
                      ForwardSecret(call, c);
                      return ctx_.clients->auth().ChangePassword(&c, bound, resp);
                    });
}

grpc::Status PublicAuthService::CreateRecoveryCode(grpc::ServerContext* server,
                                                   const av1::CreateRecoveryCodeRequest* req,
                                                   av1::CreateRecoveryCodeResponse* resp) {
  return ServeUnary(ctx_, *server, AuthMethod("CreateRecoveryCode"),
                    [&](const PublicCall& call, auto& c) {
                      av1::CreateRecoveryCodeRequest bound = *req;
                      BindToCaller(call.caller, bound);
                      bound.set_source_ip(call.source_ip);
                      return ctx_.clients->auth().CreateRecoveryCode(&c, bound, resp);
                    });
}

grpc::Status PublicAuthService::GetRecoveryCode(grpc::ServerContext* server,
                                                const av1::GetRecoveryCodeRequest* req,
                                                av1::GetRecoveryCodeResponse* resp) {
  return ServeUnary(ctx_, *server, AuthMethod("GetRecoveryCode"),
                    [&](const PublicCall& call, auto& c) {
                      av1::GetRecoveryCodeRequest bound = *req;
                      BindToCaller(call.caller, bound);
                      return ctx_.clients->auth().GetRecoveryCode(&c, bound, resp);
                    });
}

grpc::Status PublicAuthService::ResetPassword(grpc::ServerContext* server,
                                              const av1::ResetPasswordRequest* req,
                                              av1::ResetPasswordResponse* resp) {
  return ServeUnary(ctx_, *server, AuthMethod("ResetPassword"),
                    [&](const PublicCall& call, auto& c) {
                      av1::ResetPasswordRequest bound = *req;
                      bound.set_source_ip(call.source_ip);  // the per-address lockout
                      return ctx_.clients->auth().ResetPassword(&c, bound, resp);
                    });
}

grpc::Status PublicAuthService::CreateApiKey(grpc::ServerContext* server,
                                             const av1::CreateApiKeyRequest* req,
                                             av1::CreateApiKeyResponse* resp) {
  return ServeUnary(ctx_, *server, AuthMethod("CreateApiKey"),
                    [&](const PublicCall& call, auto& c) {
                      av1::CreateApiKeyRequest bound = *req;
                      BindToCaller(call.caller, bound);
                      bound.set_source_ip(call.source_ip);
                      ForwardSecret(call, c);
                      return ctx_.clients->auth().CreateApiKey(&c, bound, resp);
                    });
}

grpc::Status PublicAuthService::ListApiKeys(grpc::ServerContext* server,
                                            const av1::ListApiKeysRequest* req,
                                            av1::ListApiKeysResponse* resp) {
  return ServeUnary(ctx_, *server, AuthMethod("ListApiKeys"), [&](const PublicCall& call, auto& c) {
    av1::ListApiKeysRequest bound = *req;
    BindToCaller(call.caller, bound);
    return ctx_.clients->auth().ListApiKeys(&c, bound, resp);
  });
}

grpc::Status PublicAuthService::RevokeApiKey(grpc::ServerContext* server,
                                             const av1::RevokeApiKeyRequest* req,
                                             av1::RevokeApiKeyResponse* resp) {
  return ServeUnary(ctx_, *server, AuthMethod("RevokeApiKey"),
                    [&](const PublicCall& call, auto& c) {
                      av1::RevokeApiKeyRequest bound = *req;
                      BindToCaller(call.caller, bound);
                      bound.set_source_ip(call.source_ip);
                      return ctx_.clients->auth().RevokeApiKey(&c, bound, resp);
                    });
}

grpc::Status PublicAuthService::ListUsers(grpc::ServerContext* server,
                                          const av1::ListUsersRequest* req,
                                          av1::ListUsersResponse* resp) {
  return Serve(ctx_, *server, AuthMethod("ListUsers"), [&](const PublicCall& call) {
    av1::ListUsersRequest bound = *req;
    BindToCaller(call.caller, bound);
    if (absl::Status s =
            CallUpstream(ctx_, call.origin,
                         [&](auto& c) { return ctx_.clients->auth().ListUsers(&c, bound, resp); });
        !s.ok()) {
      return s;
    }
    return FillUserUsage(ctx_, call.origin, *resp);
  });
}

grpc::Status PublicAuthService::UpdateUser(grpc::ServerContext* server,
                                           const av1::UpdateUserRequest* req,
                                           av1::UpdateUserResponse* resp) {
  return Serve(ctx_, *server, AuthMethod("UpdateUser"), [&](const PublicCall& call) {
    av1::UpdateUserRequest bound = *req;
    BindToCaller(call.caller, bound);
    bound.set_source_ip(call.source_ip);
    if (bound.has_tier()) {
      if (absl::Status s = CheckTierExists(ctx_, call.origin, bound.tier()); !s.ok()) return s;
    }
    if (absl::Status s =
            CallUpstream(ctx_, call.origin,
                         [&](auto& c) { return ctx_.clients->auth().UpdateUser(&c, bound, resp); });
        !s.ok()) {
      return s;
    }
    // This gateway honours the change at once; others drop it on auth.user.updated.
    ctx_.authenticator->ForgetUser(bound.user_id());
    return absl::OkStatus();
  });
}

grpc::Status PublicAuthService::QueryAudit(grpc::ServerContext* server,
                                           const av1::QueryAuditRequest* req,
                                           av1::QueryAuditResponse* resp) {
  return ServeUnary(ctx_, *server, AuthMethod("QueryAudit"), [&](const PublicCall& call, auto& c) {
    av1::QueryAuditRequest bound = *req;
    BindToCaller(call.caller, bound);
    return ctx_.clients->auth().QueryAudit(&c, bound, resp);
  });
}

}  // namespace datamesh::gateway::public_grpc
