// datamesh.file.v1.FileService on the gateway's public gRPC endpoint: each RPC is admitted
// (public_call.h), bound to the caller (caller_binding.h: owner, keys, actor) and proxied to
// file-ingest. Upload reserves a declared size and streams exactly as REST does
// (upload_stream.h); Download checks and records bandwidth as REST does
// (download_bandwidth.h). Maintenance and usage totals are admin-only (rpc_exposure.cc).
//
// Thread-safe: gRPC calls handlers concurrently; `ctx` must outlive the service.
#pragma once

#include "datamesh/file/v1/file.grpc.pb.h"
#include "services/gateway/routes/api_context.h"

namespace datamesh::gateway::public_grpc {

class PublicFileService final : public file::v1::FileService::Service {
 public:
  explicit PublicFileService(const ApiContext& ctx) : ctx_(ctx) {}

  grpc::Status Upload(grpc::ServerContext* server,
                      grpc::ServerReader<file::v1::UploadRequest>* reader,
                      file::v1::UploadResponse* resp) override;
  grpc::Status Download(grpc::ServerContext* server, const file::v1::DownloadRequest* req,
                        grpc::ServerWriter<file::v1::DownloadResponse>* writer) override;
  grpc::Status Stat(grpc::ServerContext* server, const file::v1::StatRequest* req,
                    file::v1::StatResponse* resp) override;
  grpc::Status List(grpc::ServerContext* server, const file::v1::ListRequest* req,
                    file::v1::ListResponse* resp) override;
  grpc::Status Delete(grpc::ServerContext* server, const file::v1::DeleteRequest* req,
                      file::v1::DeleteResponse* resp) override;
  grpc::Status UpdateMetadata(grpc::ServerContext* server,
                              const file::v1::UpdateMetadataRequest* req,
                              file::v1::UpdateMetadataResponse* resp) override;
  grpc::Status GetHealth(grpc::ServerContext* server, const file::v1::GetHealthRequest* req,
                         file::v1::GetHealthResponse* resp) override;
  grpc::Status RunMaintenance(grpc::ServerContext* server,
                              const file::v1::RunMaintenanceRequest* req,
                              file::v1::RunMaintenanceResponse* resp) override;
  grpc::Status GetMaintenanceJob(grpc::ServerContext* server,
                                 const file::v1::GetMaintenanceJobRequest* req,
                                 file::v1::GetMaintenanceJobResponse* resp) override;
  grpc::Status GetUsageSummary(grpc::ServerContext* server,
                               const file::v1::GetUsageSummaryRequest* req,
                               file::v1::GetUsageSummaryResponse* resp) override;

 private:
  const ApiContext& ctx_;
};

}  // namespace datamesh::gateway::public_grpc
