#include "services/governance/proposals/stored_usage.h"

#include <grpcpp/grpcpp.h>

#include <memory>

#include "datamesh/file/v1/file.grpc.pb.h"
#include "shared/server/channels.h"
#include "shared/status/grpc_status.h"

namespace datamesh::governance::proposals {
namespace {

// A proposal read waits at most this long for file-ingest; then the impact says "not known".
constexpr absl::Duration kCallTimeout = absl::Seconds(2);

}  // namespace

StoredUsageSource FileIngestUsageSource(const std::string& file_ingest_addr) {
  std::shared_ptr<file::v1::FileService::Stub> stub =
      file::v1::FileService::NewStub(server::ServiceChannel(file_ingest_addr));
  return [stub]() -> absl::StatusOr<StoredUsage> {
    file::v1::GetUsageSummaryRequest req;  // all owners
    file::v1::GetUsageSummaryResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
    grpc::Status s = stub->GetUsageSummary(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    StoredUsage out;
    out.reencode_bytes_per_second = resp.reencode_bytes_per_second();
    out.current_data_shards = resp.current_data_shards();
    out.current_parity_shards = resp.current_parity_shards();
    for (const file::v1::ShapeUsage& u : resp.by_shape()) {
      out.shapes.push_back(
          {u.data_shards(), u.parity_shards(), u.content_count(), u.sealed_bytes()});
    }
    return out;
  };
}

}  // namespace datamesh::governance::proposals
