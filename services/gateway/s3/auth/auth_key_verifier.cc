// AuthKeyVerifier: AuthService.VerifyS3Signature, its answers mapped to S3's error codes.
#include "services/gateway/s3/auth/auth_key_verifier.h"

#include "datamesh/auth/v1/auth.grpc.pb.h"

namespace datamesh::gateway::s3 {
namespace {

std::string Trailer(const grpc::ClientContext& context, std::string_view name) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(grpc::string_ref(name.data(), name.size()));
  return it == trailers.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

Caller CallerFrom(const auth::v1::ValidateTokenResponse& r) {
  Caller c;
  c.user_id = r.user_id();
  c.username = r.username();
  c.role = r.role();
  c.tier = r.tier();
  c.private_key = r.private_key();
  c.public_key = r.public_key();
  c.key_version = r.key_version();
  c.credential_kind = r.credential_kind();
  return c;
}

}  // namespace

std::variant<VerifiedKey, S3Error> AuthKeyVerifier::Verify(const SignatureClaim& claim,
                                                           std::string_view string_to_sign,
                                                           std::string_view request_id) {
  grpc::ClientContext context;
  PrepareContext(context, request_id, rpc_timeout_);
  auth::v1::VerifyS3SignatureRequest req;
  req.set_access_key_id(claim.access_key_id);
  req.set_scope_date(claim.scope.date);
  req.set_scope_region(claim.scope.region);
  req.set_scope_service(claim.scope.service);
  req.set_string_to_sign(std::string(string_to_sign));
  req.set_signature(claim.signature);
  auth::v1::VerifyS3SignatureResponse resp;
  grpc::Status rpc = clients_.auth().VerifyS3Signature(&context, req, &resp);
  if (rpc.ok()) return VerifiedKey{CallerFrom(resp.caller()), resp.signing_key()};
  const std::string code = Trailer(context, "dm-error-code");
  if (code == "SIGNATURE_DOES_NOT_MATCH") {
    return S3Error{"SignatureDoesNotMatch",
                   "The request signature we calculated does not match the signature you "
                   "provided. Check your key and signing method.",
                   403};
  }
  switch (rpc.error_code()) {
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::INVALID_ARGUMENT:
      return S3Error{"InvalidAccessKeyId",
                     "The AWS Access Key Id you provided does not exist in our records.", 403};
    case grpc::StatusCode::FAILED_PRECONDITION:
      return S3Error{"AccessDenied", "S3 keys are not configured on this server.", 403};
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return S3Error{"ServiceUnavailable", "Please reduce your request rate.", 503};
    default:
      return S3Error{"InternalError", "We encountered an internal error. Please try again.", 500};
  }
}

}  // namespace datamesh::gateway::s3
