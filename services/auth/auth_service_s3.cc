// The S3 key RPCs of the auth adapter (AuthServiceImpl; the rest is in auth_service.cc).
#include <string>

#include "absl/strings/match.h"
#include "services/auth/auth_converter.h"
#include "services/auth/auth_service.h"
#include "shared/log/log.h"
#include "shared/status/grpc_status.h"

namespace datamesh::auth {
namespace {

grpc::Status S3Reply(grpc::ServerContext* ctx, const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // The gateway answers S3 clients with distinct codes for these two; the message is not a
  // contract, the trailer is.
  if (absl::IsUnauthenticated(status)) {
    if (status.message() == kUnknownAccessKeyMessage) {
      ctx->AddTrailingMetadata("dm-error-code", "INVALID_ACCESS_KEY_ID");
    } else if (status.message() == kSignatureMismatchMessage) {
      ctx->AddTrailingMetadata("dm-error-code", "SIGNATURE_DOES_NOT_MATCH");
    }
  }
  if (absl::IsInternal(status) || absl::IsUnknown(status) || absl::IsDataLoss(status)) {
    log::Error("request failed", {{"error", status.ToString()}});
  }
  return ToGrpcStatus(SanitizeForClient(status));
}

// The bearer secret of the call, or empty.
std::string CallerSecret(const grpc::ServerContext* ctx) {
  const auto& md = ctx->client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) return "";
  std::string value(it->second.data(), it->second.size());
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWith(value, kBearer)) return "";
  return value.substr(kBearer.size());
}

void S3KeyToProto(const S3KeyRecord& key, v1::S3Key* out) {
  out->set_access_key_id(key.access_key_id);
  out->set_name(key.name);
  ToProto(key.created_at, out->mutable_created_at());
  if (key.last_used_at) ToProto(*key.last_used_at, out->mutable_last_used_at());
}

}  // namespace

grpc::Status AuthServiceImpl::CreateS3Key(grpc::ServerContext* ctx,
                                          const v1::CreateS3KeyRequest* req,
                                          v1::CreateS3KeyResponse* resp) {
  auto key = s3_keys_.Create(req->user_id(), req->name(), CallerSecret(ctx), req->source_ip());
  if (key.ok()) {
    resp->set_access_key_id(key->record.access_key_id);
    resp->set_name(key->record.name);
    resp->set_secret_access_key(key->secret);
    ToProto(key->record.created_at, resp->mutable_created_at());
  }
  return S3Reply(ctx, key.status());
}

grpc::Status AuthServiceImpl::ListS3Keys(grpc::ServerContext* ctx, const v1::ListS3KeysRequest* req,
                                         v1::ListS3KeysResponse* resp) {
  auto keys = s3_keys_.List(req->user_id());
  if (keys.ok()) {
    for (const S3KeyRecord& key : *keys) S3KeyToProto(key, resp->add_s3_keys());
  }
  return S3Reply(ctx, keys.status());
}

grpc::Status AuthServiceImpl::RevokeS3Key(grpc::ServerContext* ctx,
                                          const v1::RevokeS3KeyRequest* req,
                                          v1::RevokeS3KeyResponse* resp) {
  return S3Reply(ctx, s3_keys_.Revoke(req->user_id(), req->access_key_id(), req->source_ip()));
}

grpc::Status AuthServiceImpl::VerifyS3Signature(grpc::ServerContext* ctx,
                                                const v1::VerifyS3SignatureRequest* req,
                                                v1::VerifyS3SignatureResponse* resp) {
  auto verified = s3_keys_.Verify(
      req->access_key_id(), S3Scope{req->scope_date(), req->scope_region(), req->scope_service()},
      req->string_to_sign(), req->signature());
  if (verified.ok()) {
    ToProto(*verified->caller, resp->mutable_caller());
    resp->set_signing_key(verified->signing_key);
  }
  return S3Reply(ctx, verified.status());
}

}  // namespace datamesh::auth
