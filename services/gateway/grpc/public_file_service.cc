#include "services/gateway/grpc/public_file_service.h"

#include <algorithm>
#include <string>
#include <utility>

#include "services/gateway/admin/admin_routes.h"
#include "services/gateway/grpc/caller_binding.h"
#include "services/gateway/grpc/public_call.h"
#include "services/gateway/http/api_error.h"
#include "services/gateway/limits/download_bandwidth.h"
#include "services/gateway/transfer/upload_stream.h"
#include "services/gateway/upstream/unary_call.h"

namespace datamesh::gateway::public_grpc {
namespace {

namespace fv1 = file::v1;

constexpr char kFileService[] = "/datamesh.file.v1.FileService/";

std::string FileMethod(std::string_view name) { return kFileService + std::string(name); }

// The client's upload stream after its first message, as an upload source. Later messages may
// carry data only; the total is capped like a REST body.
class ClientStreamSource : public UploadSource {
 public:
  ClientStreamSource(grpc::ServerContext& server, grpc::ServerReader<fv1::UploadRequest>& reader,
                     std::string first_chunk, uint64_t max_bytes)
      : server_(server), reader_(reader), pending_(std::move(first_chunk)), max_bytes_(max_bytes) {}

  absl::StatusOr<bool> Next(fv1::UploadRequest& message) override {
    if (first_) {
      first_ = false;
      return Take(pending_, message);
    }
    fv1::UploadRequest in;
    if (!reader_.Read(&in)) {
      if (server_.IsCancelled()) return absl::CancelledError("the client cancelled the upload");
      message.clear_chunk();
      return false;
    }
    if (in.has_header()) {
      return absl::InvalidArgumentError("only the first message may carry the header");
    }
    return Take(*in.mutable_chunk(), message);
  }

 private:
  absl::StatusOr<bool> Take(std::string& chunk, fv1::UploadRequest& message) {
    received_ += chunk.size();
    if (received_ > max_bytes_) return http::PayloadTooLarge("the upload is too large");
    message.mutable_chunk()->swap(chunk);  // no copy of the bytes
    return true;
  }

  grpc::ServerContext& server_;
  grpc::ServerReader<fv1::UploadRequest>& reader_;
  std::string pending_;
  bool first_ = true;
  uint64_t received_ = 0;
  const uint64_t max_bytes_;
};

// Bytes a download of [offset, offset + length) sends from a file of `size` (download
// semantics: clamped to the end; nothing past it).
uint64_t BytesToSend(uint64_t size, const fv1::DownloadRequest& req) {
  if (req.offset() >= size) return 0;
  const uint64_t rest = size - req.offset();
  return req.has_length() ? std::min(rest, req.length()) : rest;
}

// Relays file-ingest's download stream to the client, paying for each message's bytes through
// `meter` before it goes out. Returns the status of the stream, or the meter's refusal.
absl::Status RelayDownload(const ApiContext& ctx, const CallOrigin& origin,
                           const fv1::DownloadRequest& req,
                           grpc::ServerWriter<fv1::DownloadResponse>& writer,
                           DownloadMeter& meter) {
  grpc::ClientContext context;
  PrepareContext(context, origin, absl::InfiniteDuration());
  auto stream = ctx.clients->file().Download(&context, req);
  fv1::DownloadResponse message;
  while (stream->Read(&message)) {
    const size_t bytes = message.chunk().size();
    if (absl::Status paid = meter.Admit(bytes); !paid.ok()) {
      context.TryCancel();
      (void)stream->Finish();
      return paid;
    }
    if (!writer.Write(message)) {
      context.TryCancel();  // the client went away
      break;
    }
    meter.Sent(bytes);
  }
  grpc::Status rpc = stream->Finish();
  return rpc.ok() ? absl::OkStatus() : StatusFromRpc(rpc, context);
}

}  // namespace

grpc::Status PublicFileService::Upload(grpc::ServerContext* server,
                                       grpc::ServerReader<fv1::UploadRequest>* reader,
                                       fv1::UploadResponse* resp) {
  return Serve(ctx_, *server, FileMethod("Upload"), [&](const PublicCall& call) -> absl::Status {
    fv1::UploadRequest first;
    if (!reader->Read(&first) || !first.has_header()) {
      return absl::InvalidArgumentError("the first message must carry the upload header");
    }
    fv1::UploadHeader header = std::move(*first.mutable_header());
    BindToCaller(call.caller, header);
    absl::StatusOr<TransferSlots::Slot> slot = ctx_.transfers->Acquire(call.caller.user_id);
    if (!slot.ok()) return slot.status();
    const uint64_t declared = header.has_declared_size() ? header.declared_size() : 0;
    if (declared > ctx_.max_upload_bytes) return http::PayloadTooLarge("the upload is too large");
    ClientStreamSource source(*server, *reader, std::move(*first.mutable_chunk()),
                              ctx_.max_upload_bytes);
    absl::StatusOr<fv1::UploadResponse> stored =
        StreamUpload(ctx_, call.caller, call.origin, std::move(header), declared, source);
    if (!stored.ok()) return stored.status();
    *resp = *std::move(stored);
    return absl::OkStatus();
  });
}

grpc::Status PublicFileService::Download(grpc::ServerContext* server,
                                         const fv1::DownloadRequest* req,
                                         grpc::ServerWriter<fv1::DownloadResponse>* writer) {
  return Serve(ctx_, *server, FileMethod("Download"), [&](const PublicCall& call) {
    fv1::DownloadRequest bound = *req;
    BindToCaller(call.caller, bound);
    // The size comes from the manifest, so bandwidth is admitted before a byte is read.
    fv1::StatRequest stat_req;
    stat_req.set_file_id(bound.file_id());
    BindToCaller(call.caller, stat_req);
    fv1::StatResponse stat;
    if (absl::Status s =
            CallUpstream(ctx_, call.origin,
                         [&](auto& c) { return ctx_.clients->file().Stat(&c, stat_req, &stat); });
        !s.ok()) {
      return s;
    }
    const uint64_t to_send = BytesToSend(stat.file().size(), bound);
    if (absl::Status s = CheckDownloadBandwidth(ctx_, call.caller, call.origin, to_send); !s.ok()) {
      return s;
    }
    absl::StatusOr<TransferSlots::Slot> slot = ctx_.transfers->Acquire(call.caller.user_id);
    if (!slot.ok()) return slot.status();
    DownloadMeter meter(ctx_, call.caller, call.origin);
    return RelayDownload(ctx_, call.origin, bound, *writer, meter);
  });
}

grpc::Status PublicFileService::Stat(grpc::ServerContext* server, const fv1::StatRequest* req,
                                     fv1::StatResponse* resp) {
  return ServeUnary(ctx_, *server, FileMethod("Stat"), [&](const PublicCall& call, auto& c) {
    fv1::StatRequest bound = *req;
    BindToCaller(call.caller, bound);
    return ctx_.clients->file().Stat(&c, bound, resp);
  });
}

grpc::Status PublicFileService::List(grpc::ServerContext* server, const fv1::ListRequest* req,
                                     fv1::ListResponse* resp) {
  return ServeUnary(ctx_, *server, FileMethod("List"), [&](const PublicCall& call, auto& c) {
    fv1::ListRequest bound = *req;
    BindToCaller(call.caller, bound);
    return ctx_.clients->file().List(&c, bound, resp);
  });
}

grpc::Status PublicFileService::Delete(grpc::ServerContext* server, const fv1::DeleteRequest* req,
                                       fv1::DeleteResponse* resp) {
  return ServeUnary(ctx_, *server, FileMethod("Delete"), [&](const PublicCall& call, auto& c) {
    fv1::DeleteRequest bound = *req;
    BindToCaller(call.caller, bound);
    return ctx_.clients->file().Delete(&c, bound, resp);
  });
}

grpc::Status PublicFileService::UpdateMetadata(grpc::ServerContext* server,
                                               const fv1::UpdateMetadataRequest* req,
                                               fv1::UpdateMetadataResponse* resp) {
  return ServeUnary(ctx_, *server, FileMethod("UpdateMetadata"),
                    [&](const PublicCall& call, auto& c) {
                      fv1::UpdateMetadataRequest bound = *req;
                      BindToCaller(call.caller, bound);
                      return ctx_.clients->file().UpdateMetadata(&c, bound, resp);
                    });
}

grpc::Status PublicFileService::GetHealth(grpc::ServerContext* server,
                                          const fv1::GetHealthRequest* req,
                                          fv1::GetHealthResponse* resp) {
  return ServeUnary(ctx_, *server, FileMethod("GetHealth"), [&](const PublicCall& call, auto& c) {
    fv1::GetHealthRequest bound = *req;
    BindToCaller(call.caller, bound);
    return ctx_.clients->file().GetHealth(&c, bound, resp);
  });
}

grpc::Status PublicFileService::RunMaintenance(grpc::ServerContext* server,
                                               const fv1::RunMaintenanceRequest* req,
                                               fv1::RunMaintenanceResponse* resp) {
  return Serve(ctx_, *server, FileMethod("RunMaintenance"), [&](const PublicCall& call) {
    fv1::RunMaintenanceRequest bound = *req;
    BindToCaller(call.caller, bound);
    grpc::ClientContext context;
    PrepareContext(context, call.origin, ctx_.rpc_timeout);
    grpc::Status rpc = ctx_.clients->file().RunMaintenance(&context, bound, resp);
    // Audited as REST POST /admin/maintenance is.
    if (rpc.ok()) {
      AuditAdminAction(ctx_, call.caller, call.origin, call.source_ip, "admin.maintenance",
                       resp->job_id(), "success");
      return absl::OkStatus();
    }
    if (rpc.error_code() != grpc::StatusCode::UNIMPLEMENTED) {
      AuditAdminAction(ctx_, call.caller, call.origin, call.source_ip, "admin.maintenance",
                       bound.action(), "failure");
    }
    return StatusFromRpc(rpc, context);
  });
}

grpc::Status PublicFileService::GetMaintenanceJob(grpc::ServerContext* server,
                                                  const fv1::GetMaintenanceJobRequest* req,
                                                  fv1::GetMaintenanceJobResponse* resp) {
  return ServeUnary(ctx_, *server, FileMethod("GetMaintenanceJob"),
                    [&](const PublicCall&, auto& c) {
                      return ctx_.clients->file().GetMaintenanceJob(&c, *req, resp);
                    });
}

grpc::Status PublicFileService::GetUsageSummary(grpc::ServerContext* server,
                                                const fv1::GetUsageSummaryRequest* req,
                                                fv1::GetUsageSummaryResponse* resp) {
  // Admins only (rpc_exposure.cc): any owner's or everyone's totals, as GET /admin/system.
  return ServeUnary(ctx_, *server, FileMethod("GetUsageSummary"), [&](const PublicCall&, auto& c) {
    return ctx_.clients->file().GetUsageSummary(&c, *req, resp);
  });
}

}  // namespace datamesh::gateway::public_grpc
