#include "services/gateway/grpc/public_call.h"

#include <chrono>
#include <optional>

#include "absl/time/clock.h"
#include "services/gateway/grpc/call_metadata.h"
#include "services/gateway/grpc/rpc_exposure.h"
#include "services/gateway/http/api_error.h"
#include "services/gateway/identity/bearer_token.h"
#include "shared/status/grpc_status.h"

namespace datamesh::gateway::public_grpc {
namespace {

absl::Time DeadlineOf(const grpc::ServerContext& server) {
  const std::chrono::system_clock::time_point deadline = server.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

// Authentication, role and rate limit of a non-anonymous call.
absl::Status Authorize(const ApiContext& ctx, const ClientMetadata& metadata, Exposure exposure,
                       PublicCall& call) {
  std::optional<std::string_view> authorization = MetadataValue(metadata, "authorization");
  absl::StatusOr<Caller> caller =
      ctx.authenticator->Authenticate(authorization, call.origin.request_id);
  if (!caller.ok()) return caller.status();
  if (exposure == Exposure::kAdmin && !caller->is_admin()) {
    return absl::PermissionDeniedError("administrators only");
  }
  if (absl::Status s = ctx.limiter->Check(*caller, call.origin.request_id); !s.ok()) return s;
  // Authenticate() accepted the metadata, so the secret parses.
  call.secret = BearerToken(authorization).value_or("");
  call.caller = *std::move(caller);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PublicCall> Admit(const ApiContext& ctx, grpc::ServerContext& server,
                                 std::string_view method) {
  const std::optional<Exposure> exposure = ExposureOf(method);
  if (!exposure || *exposure == Exposure::kInternal) {
    return absl::UnimplementedError("not available on the public endpoint");
  }
  const ClientMetadata& metadata = server.client_metadata();
  PublicCall call;
  call.origin.request_id = RequestIdOf(metadata);
  call.origin.deadline = DeadlineOf(server);
  // Behind a trusted proxy the client's address comes from its x-forwarded-for, as for REST.
  call.source_ip =
      ctx.proxies->ClientIp(PeerIp(server.peer()), MetadataValue(metadata, "x-forwarded-for"));
  server.AddInitialMetadata("x-request-id", call.origin.request_id);
  if (*exposure != Exposure::kAnonymous) {
    if (absl::Status s = Authorize(ctx, metadata, *exposure, call); !s.ok()) return s;
  }
  return call;
}

grpc::Status ToClientStatus(grpc::ServerContext& server, const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const http::ApiError error = http::ApiErrorFor(status);
  if (std::optional<uint32_t> seconds = RetryAfterOf(status)) {
    server.AddTrailingMetadata("retry-after", std::to_string(*seconds));
    server.AddTrailingMetadata("dm-error-code", "RATE_LIMITED");
  } else if (error.code == "QUOTA_EXCEEDED") {
    server.AddTrailingMetadata("dm-error-code", "QUOTA_EXCEEDED");
  }
  return grpc::Status(static_cast<grpc::StatusCode>(SanitizeForClient(status).code()),
                      error.message);
}

}  // namespace datamesh::gateway::public_grpc
