#include "services/auth/auth_service.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/auth/auth_converter.h"
#include "services/auth/login_limiter.h"
#include "shared/log/log.h"
#include "shared/status/grpc_status.h"

namespace datamesh::auth {
namespace {

// Maps a domain status to what the client sees, adding the rate-limit metadata.
grpc::Status Reply(grpc::ServerContext* ctx, const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  if (std::optional<int64_t> retry = RetryAfter(status)) {
    ctx->AddTrailingMetadata("retry-after", absl::StrCat(*retry));
    ctx->AddTrailingMetadata("dm-error-code", "RATE_LIMITED");
  }
  if (absl::IsInternal(status) || absl::IsUnknown(status) || absl::IsDataLoss(status)) {
    log::Error("request failed", {{"error", status.ToString()}});
  }
  return ToGrpcStatus(SanitizeForClient(status));
}

// The bearer secret of the call, or empty.
std::string BearerSecret(const grpc::ServerContext* ctx) {
  const auto& md = ctx->client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) return "";
  std::string value(it->second.data(), it->second.size());
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWith(value, kBearer)) return "";
  return value.substr(kBearer.size());
}

}  // namespace

grpc::Status AuthServiceImpl::Register(grpc::ServerContext* ctx, const v1::RegisterRequest* req,
                                       v1::RegisterResponse* resp) {
  auto user =
      accounts_.Register({req->username(), req->email(), req->password(), req->source_ip()});
  if (user.ok()) ToProto(*user, resp->mutable_user());
  return Reply(ctx, user.status());
}

grpc::Status AuthServiceImpl::Login(grpc::ServerContext* ctx, const v1::LoginRequest* req,
                                    v1::LoginResponse* resp) {
  auto result = accounts_.Login(req->username(), req->password(), req->source_ip());
  if (result.ok()) {
    resp->set_token(result->session.token);
    ToProto(result->session.expires_at, resp->mutable_expires_at());
    ToProto(result->user, resp->mutable_user());
  }
  return Reply(ctx, result.status());
}

grpc::Status AuthServiceImpl::Logout(grpc::ServerContext* ctx, const v1::LogoutRequest* req,
                                     v1::LogoutResponse* resp) {
  return Reply(ctx, credentials_.Logout(req->token(), req->source_ip()));
}

grpc::Status AuthServiceImpl::ValidateToken(grpc::ServerContext* ctx,
                                            const v1::ValidateTokenRequest* req,
                                            v1::ValidateTokenResponse* resp) {
  auto credential = credentials_.Validate(req->token());
  if (credential.ok()) ToProto(**credential, resp);
  return Reply(ctx, credential.status());
}

grpc::Status AuthServiceImpl::GetProfile(grpc::ServerContext* ctx, const v1::GetProfileRequest* req,
                                         v1::GetProfileResponse* resp) {
  auto user = accounts_.GetProfile(req->user_id());
  if (user.ok()) ToProto(*user, resp->mutable_user());
  return Reply(ctx, user.status());
}

grpc::Status AuthServiceImpl::ChangePassword(grpc::ServerContext* ctx,
                                             const v1::ChangePasswordRequest* req,
                                             v1::ChangePasswordResponse* resp) {
  return Reply(ctx, accounts_.ChangePassword(req->user_id(), req->current_password(),
                                             req->new_password(), req->revoke_other_sessions(),
                                             BearerSecret(ctx), req->source_ip()));
}

grpc::Status AuthServiceImpl::CreateApiKey(grpc::ServerContext* ctx,
                                           const v1::CreateApiKeyRequest* req,
                                           v1::CreateApiKeyResponse* resp) {
  auto key =
      credentials_.CreateApiKey(req->user_id(), req->name(), BearerSecret(ctx), req->source_ip());
  if (key.ok()) {
    resp->set_id(key->record.id);
    resp->set_name(key->record.name);
    resp->set_key(key->secret);
    ToProto(key->record.created_at, resp->mutable_created_at());
  }
  return Reply(ctx, key.status());
}

grpc::Status AuthServiceImpl::ListApiKeys(grpc::ServerContext* ctx,
                                          const v1::ListApiKeysRequest* req,
                                          v1::ListApiKeysResponse* resp) {
  auto keys = credentials_.ListApiKeys(req->user_id());
  if (keys.ok()) {
    for (const ApiKeyRecord& k : *keys) ToProto(k, resp->add_api_keys());
  }
  return Reply(ctx, keys.status());
}

grpc::Status AuthServiceImpl::RevokeApiKey(grpc::ServerContext* ctx,
                                           const v1::RevokeApiKeyRequest* req,
                                           v1::RevokeApiKeyResponse* resp) {
  return Reply(ctx, credentials_.RevokeApiKey(req->user_id(), req->key_id(), req->source_ip()));
}

grpc::Status AuthServiceImpl::ListUsers(grpc::ServerContext* ctx, const v1::ListUsersRequest* req,
                                        v1::ListUsersResponse* resp) {
  auto page = accounts_.ListUsers(req->actor_id(), ClampPageSize(req->page().limit()),
                                  req->page().cursor());
  if (page.ok()) {
    for (const UserRecord& u : page->items) ToProto(u, resp->add_users());
    if (page->next_cursor) resp->set_next_cursor(*page->next_cursor);
  }
  return Reply(ctx, page.status());
}

grpc::Status AuthServiceImpl::UpdateUser(grpc::ServerContext* ctx, const v1::UpdateUserRequest* req,
                                         v1::UpdateUserResponse* resp) {
  std::optional<std::string> role, tier;
  if (req->has_role()) role = req->role();
  if (req->has_tier()) tier = req->tier();
  auto user = accounts_.UpdateUser(req->actor_id(), req->user_id(), role, tier, req->source_ip());
  if (user.ok()) ToProto(*user, resp->mutable_user());
  return Reply(ctx, user.status());
}

grpc::Status AuthServiceImpl::QueryAudit(grpc::ServerContext* ctx, const v1::QueryAuditRequest* req,
                                         v1::QueryAuditResponse* resp) {
  absl::Status allowed = accounts_.RequireAdmin(req->actor_id());
  if (!allowed.ok()) return Reply(ctx, allowed);
  auto page = audit_.Query(FromProto(*req));
  if (page.ok()) {
    for (const AuditEntry& e : page->items) ToProto(e, resp->add_records());
    if (page->next_cursor) resp->set_next_cursor(*page->next_cursor);
  }
  return Reply(ctx, page.status());
}

grpc::Status AuthServiceImpl::RecordAudit(grpc::ServerContext* ctx,
                                          const v1::RecordAuditRequest* req,
                                          v1::RecordAuditResponse* resp) {
  auto id = audit_.Record(FromProto(req->record()));
  if (id.ok()) resp->set_id(*id);
  return Reply(ctx, id.status());
}

grpc::Status AuthServiceImpl::CreateRecoveryCode(grpc::ServerContext* ctx,
                                                 const v1::CreateRecoveryCodeRequest* req,
                                                 v1::CreateRecoveryCodeResponse* resp) {
  auto created = recovery_.Create(req->user_id(), req->current_password(), req->source_ip());
  if (created.ok()) {
    resp->set_recovery_code(created->code);
    ToProto(created->created_at, resp->mutable_created_at());
  }
  return Reply(ctx, created.status());
}

grpc::Status AuthServiceImpl::GetRecoveryCode(grpc::ServerContext* ctx,
                                              const v1::GetRecoveryCodeRequest* req,
                                              v1::GetRecoveryCodeResponse* resp) {
  auto created_at = recovery_.CreatedAt(req->user_id());
  if (created_at.ok() && created_at->has_value()) {
    resp->set_exists(true);
    ToProto(**created_at, resp->mutable_created_at());
  }
  return Reply(ctx, created_at.status());
}

grpc::Status AuthServiceImpl::ResetPassword(grpc::ServerContext* ctx,
                                            const v1::ResetPasswordRequest* req,
                                            v1::ResetPasswordResponse* resp) {
  return Reply(ctx, recovery_.ResetPassword(req->username(), req->recovery_code(),
                                            req->new_password(), req->source_ip()));
}

}  // namespace datamesh::auth
