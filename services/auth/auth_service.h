// The gRPC adapter of the auth service: AuthService on top of the domain (Accounts,
// Credentials, AuditLog). It converts messages, reads gRPC metadata, and maps statuses —
// nothing else.
//
// Metadata:
//   * `authorization: Bearer <secret>` — the caller's session token or API key, forwarded by
//     the gateway. Required by CreateApiKey (the new key receives a copy of the private key,
//     which only a live secret can unseal) and used by ChangePassword to keep the caller's own
//     session when revoke_other_sessions is set.
//   * On RESOURCE_EXHAUSTED from Login, ChangePassword, CreateRecoveryCode and ResetPassword: trailing `retry-after` (seconds) and
//     `dm-error-code: RATE_LIMITED`.
// INTERNAL/UNKNOWN/DATA_LOSS messages are replaced by a generic one before they leave.
//
// Thread-safe: gRPC calls handlers concurrently; the domain objects are thread-safe and must
// outlive this service.
#pragma once

#include "datamesh/auth/v1/auth.grpc.pb.h"
#include "services/auth/account_recovery.h"
#include "services/auth/accounts.h"
#include "services/auth/audit_log.h"
#include "services/auth/credentials.h"
#include "services/auth/s3_keys.h"

namespace datamesh::auth {

class AuthServiceImpl final : public v1::AuthService::Service {
 public:
  AuthServiceImpl(Accounts& accounts, AccountRecovery& recovery, Credentials& credentials,
                  AuditLog& audit, S3Keys& s3_keys)
      : accounts_(accounts),
        recovery_(recovery),
        credentials_(credentials),
        audit_(audit),
        s3_keys_(s3_keys) {}

  grpc::Status Register(grpc::ServerContext* ctx, const v1::RegisterRequest* req,
                        v1::RegisterResponse* resp) override;
  grpc::Status Login(grpc::ServerContext* ctx, const v1::LoginRequest* req,
                     v1::LoginResponse* resp) override;
  grpc::Status Logout(grpc::ServerContext* ctx, const v1::LogoutRequest* req,
                      v1::LogoutResponse* resp) override;
  grpc::Status ValidateToken(grpc::ServerContext* ctx, const v1::ValidateTokenRequest* req,
                             v1::ValidateTokenResponse* resp) override;
  grpc::Status GetProfile(grpc::ServerContext* ctx, const v1::GetProfileRequest* req,
                          v1::GetProfileResponse* resp) override;
  grpc::Status ChangePassword(grpc::ServerContext* ctx, const v1::ChangePasswordRequest* req,
                              v1::ChangePasswordResponse* resp) override;
  grpc::Status CreateApiKey(grpc::ServerContext* ctx, const v1::CreateApiKeyRequest* req,
                            v1::CreateApiKeyResponse* resp) override;
  grpc::Status ListApiKeys(grpc::ServerContext* ctx, const v1::ListApiKeysRequest* req,
                           v1::ListApiKeysResponse* resp) override;
  grpc::Status RevokeApiKey(grpc::ServerContext* ctx, const v1::RevokeApiKeyRequest* req,
                            v1::RevokeApiKeyResponse* resp) override;
  grpc::Status ListUsers(grpc::ServerContext* ctx, const v1::ListUsersRequest* req,
                         v1::ListUsersResponse* resp) override;
  grpc::Status UpdateUser(grpc::ServerContext* ctx, const v1::UpdateUserRequest* req,
                          v1::UpdateUserResponse* resp) override;
  grpc::Status QueryAudit(grpc::ServerContext* ctx, const v1::QueryAuditRequest* req,
                          v1::QueryAuditResponse* resp) override;
  grpc::Status RecordAudit(grpc::ServerContext* ctx, const v1::RecordAuditRequest* req,
                           v1::RecordAuditResponse* resp) override;
  grpc::Status CreateRecoveryCode(grpc::ServerContext* ctx,
                                  const v1::CreateRecoveryCodeRequest* req,
                                  v1::CreateRecoveryCodeResponse* resp) override;
  grpc::Status GetRecoveryCode(grpc::ServerContext* ctx, const v1::GetRecoveryCodeRequest* req,
                               v1::GetRecoveryCodeResponse* resp) override;
  grpc::Status ResetPassword(grpc::ServerContext* ctx, const v1::ResetPasswordRequest* req,
                             v1::ResetPasswordResponse* resp) override;
  // S3 keys (auth_service_s3.cc). VerifyS3Signature's UNAUTHENTICATED carries trailing
  // `dm-error-code` INVALID_ACCESS_KEY_ID or SIGNATURE_DOES_NOT_MATCH.
  grpc::Status CreateS3Key(grpc::ServerContext* ctx, const v1::CreateS3KeyRequest* req,
                           v1::CreateS3KeyResponse* resp) override;
  grpc::Status ListS3Keys(grpc::ServerContext* ctx, const v1::ListS3KeysRequest* req,
                          v1::ListS3KeysResponse* resp) override;
  grpc::Status RevokeS3Key(grpc::ServerContext* ctx, const v1::RevokeS3KeyRequest* req,
                           v1::RevokeS3KeyResponse* resp) override;
  grpc::Status VerifyS3Signature(grpc::ServerContext* ctx,
                                 const v1::VerifyS3SignatureRequest* req,
                                 v1::VerifyS3SignatureResponse* resp) override;

 private:
  Accounts& accounts_;
  AccountRecovery& recovery_;
  Credentials& credentials_;
  AuditLog& audit_;
  S3Keys& s3_keys_;
};

}  // namespace datamesh::auth
