// datamesh.auth.v1.AuthService on the gateway's public gRPC endpoint. Register and Login need no
// token (the peer's address is passed as source_ip, as REST does, for the login limiter and the
// audit log); the other RPCs act for the token's caller (caller_binding.h), Logout ends the
// caller's own token, admin RPCs need role admin. ValidateToken and RecordAudit are internal
// and not served (UNIMPLEMENTED).
//
// Thread-safe: gRPC calls handlers concurrently; `ctx` must outlive the service.
#pragma once

#include "datamesh/auth/v1/auth.grpc.pb.h"
#include "services/gateway/routes/api_context.h"

namespace datamesh::gateway::public_grpc {

class PublicAuthService final : public auth::v1::AuthService::Service {
 public:
  explicit PublicAuthService(const ApiContext& ctx) : ctx_(ctx) {}

  grpc::Status Register(grpc::ServerContext* server, const auth::v1::RegisterRequest* req,
                        auth::v1::RegisterResponse* resp) override;
  grpc::Status Login(grpc::ServerContext* server, const auth::v1::LoginRequest* req,
                     auth::v1::LoginResponse* resp) override;
  grpc::Status Logout(grpc::ServerContext* server, const auth::v1::LogoutRequest* req,
                      auth::v1::LogoutResponse* resp) override;
  grpc::Status GetProfile(grpc::ServerContext* server, const auth::v1::GetProfileRequest* req,
                          auth::v1::GetProfileResponse* resp) override;
  grpc::Status ChangePassword(grpc::ServerContext* server,
                              const auth::v1::ChangePasswordRequest* req,
                              auth::v1::ChangePasswordResponse* resp) override;
  grpc::Status CreateRecoveryCode(grpc::ServerContext* server,
                                  const auth::v1::CreateRecoveryCodeRequest* req,
                                  auth::v1::CreateRecoveryCodeResponse* resp) override;
  grpc::Status GetRecoveryCode(grpc::ServerContext* server,
                               const auth::v1::GetRecoveryCodeRequest* req,
                               auth::v1::GetRecoveryCodeResponse* resp) override;
  grpc::Status ResetPassword(grpc::ServerContext* server,
                             const auth::v1::ResetPasswordRequest* req,
                             auth::v1::ResetPasswordResponse* resp) override;
  grpc::Status CreateApiKey(grpc::ServerContext* server, const auth::v1::CreateApiKeyRequest* req,
                            auth::v1::CreateApiKeyResponse* resp) override;
  grpc::Status ListApiKeys(grpc::ServerContext* server, const auth::v1::ListApiKeysRequest* req,
                           auth::v1::ListApiKeysResponse* resp) override;
  grpc::Status RevokeApiKey(grpc::ServerContext* server, const auth::v1::RevokeApiKeyRequest* req,
                            auth::v1::RevokeApiKeyResponse* resp) override;
  grpc::Status ListUsers(grpc::ServerContext* server, const auth::v1::ListUsersRequest* req,
                         auth::v1::ListUsersResponse* resp) override;
  grpc::Status UpdateUser(grpc::ServerContext* server, const auth::v1::UpdateUserRequest* req,
                          auth::v1::UpdateUserResponse* resp) override;
  grpc::Status QueryAudit(grpc::ServerContext* server, const auth::v1::QueryAuditRequest* req,
                          auth::v1::QueryAuditResponse* resp) override;
  // ValidateToken and RecordAudit: the base class's UNIMPLEMENTED.

 private:
  const ApiContext& ctx_;
};

}  // namespace datamesh::gateway::public_grpc
