#include "shared/server/health_client.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "shared/status/grpc_status.h"

namespace datamesh::server {

HealthClient::HealthClient(const std::string& address)
    : channel_(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())) {}

HealthClient::HealthClient(std::shared_ptr<grpc::Channel> channel) : channel_(std::move(channel)) {}

absl::Status HealthClient::Check(const std::string& service, absl::Duration timeout) const {
  auto stub = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status s = stub->Check(&ctx, request, &response);
  if (!s.ok()) {
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) return FromGrpcStatus(s);
    return absl::UnavailableError(absl::StrCat("health check failed: ", s.error_message()));
  }
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return absl::UnavailableError("not serving");
  }
  return absl::OkStatus();
}

absl::Status HealthClient::WaitUntilServing(const std::string& service, absl::Duration wait) const {
  absl::Time deadline = absl::Now() + wait;
  absl::Status last;
  while (true) {
    last = Check(service, absl::Seconds(1));
    if (last.ok() || absl::Now() >= deadline) return last;
    absl::SleepFor(absl::Milliseconds(50));
  }
}

}  // namespace datamesh::server
