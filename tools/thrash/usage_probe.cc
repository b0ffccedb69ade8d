#include "tools/thrash/usage_probe.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "datamesh/quota/v1/quota.grpc.pb.h"

namespace datamesh::thrash {

absl::StatusOr<UsageSplit> GetUsageSplit(const std::string& grpc_address,
                                         const std::string& token) {
  auto stub = quota::v1::QuotaService::NewStub(
      grpc::CreateChannel(grpc_address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  context.AddMetadata("authorization", "Bearer " + token);
  quota::v1::GetUsageRequest request;  // the gateway fills in the caller's user id
  quota::v1::GetUsageResponse response;
  const grpc::Status rpc = stub->GetUsage(&context, request, &response);
  if (!rpc.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(rpc.error_code()), rpc.error_message());
  }
  const uint64_t total = response.usage().storage_bytes();
  const uint64_t reserved = std::min(response.reserved_bytes(), total);
  return UsageSplit{total - reserved, reserved};
}

}  // namespace datamesh::thrash
