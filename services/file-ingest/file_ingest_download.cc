// FileServiceImpl::Download: key unwrapping, range checks and streaming.
#include <grpcpp/grpcpp.h>

#include "services/file-ingest/download_pipeline.h"
#include "services/file-ingest/file_ingest_service.h"
#include "services/file-ingest/segment_codec.h"
#include "services/file-ingest/validation.h"
#include "shared/bus/bus.h"
#include "shared/bus/event.h"
#include "shared/crypto/ecies.h"
#include "shared/crypto/random.h"
#include "shared/crypto/x25519.h"
#include "shared/log/log.h"
#include "shared/status/grpc_status.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

constexpr size_t kMaxChunk = 1 << 20;

// The file's data key, unwrapped with the caller's private key.
absl::StatusOr<crypto::SecretBytes> UnwrapKey(const ContentRecord& content,
                                              const std::string& private_key) {
  if (private_key.size() != crypto::kX25519KeySize) {
    return absl::InvalidArgumentError("private_key must be 32 bytes");
  }
  auto key = crypto::X25519PrivateKey::FromBytes(private_key);
  if (!key.ok()) return absl::InvalidArgumentError("private_key is malformed");
  auto data_key =
      crypto::EciesOpen(*key, content.wrapped_key, WrappedKeyAad(content.id, content.key_version));
  if (!data_key.ok()) {
    return absl::PermissionDeniedError("the private key does not unwrap the file's key");
  }
  return std::move(*data_key);
}

// The caller's request id (x-request-id metadata, set by the gateway), else a fresh one.
std::string DownloadId(const grpc::ServerContext& ctx) {
  auto it = ctx.client_metadata().find("x-request-id");
  if (it != ctx.client_metadata().end() && !it->second.empty() && it->second.size() <= 128) {
    return std::string(it->second.data(), it->second.size());
  }
  return crypto::NewUuid().value_or("");
}

}  // namespace

grpc::Status FileServiceImpl::Download(grpc::ServerContext* ctx,
                                       const file::v1::DownloadRequest* req,
                                       grpc::ServerWriter<file::v1::DownloadResponse>* writer) {
  absl::Status status = DoDownload(ctx, *req, writer);
  if (absl::IsDataLoss(status) || absl::IsInternal(status)) {
    log::Error("download failed", {{"file_id", req->file_id()}, {"error", status.ToString()}});
  }
  return ToGrpcStatus(SanitizeForClient(status));
}

absl::Status FileServiceImpl::DoDownload(grpc::ServerContext* ctx,
                                         const file::v1::DownloadRequest& req,
                                         grpc::ServerWriter<file::v1::DownloadResponse>* writer) {
  RETURN_IF_ERROR(ValidateId("owner_id", req.owner_id()));
  RETURN_IF_ERROR(ValidateId("file_id", req.file_id()));
  ASSIGN_OR_RETURN(FileRecord file, deps_.store->GetFile(req.owner_id(), req.file_id()));
  const ContentRecord& content = file.content;
  const uint64_t size = content.size;
  if (req.offset() > size || (req.offset() == size && size > 0)) {
    return absl::OutOfRangeError("offset beyond the end of the file");
  }
  const uint64_t rest = size - req.offset();
  const uint64_t length = req.has_length() ? std::min(req.length(), rest) : rest;
  ASSIGN_OR_RETURN(crypto::SecretBytes data_key, UnwrapKey(content, req.private_key()));

  file::v1::DownloadResponse first;
  ToProto(file, first.mutable_header()->mutable_file());
  first.mutable_header()->set_offset(req.offset());
  first.mutable_header()->set_length(length);
  bool header_sent = false;
  const std::string download_id = DownloadId(*ctx);
  ProgressThrottle throttle;
  uint64_t sent = 0;
  auto sink = [&](std::string_view chunk) -> absl::Status {
    file::v1::DownloadResponse msg = header_sent ? file::v1::DownloadResponse() : first;
    msg.set_chunk(chunk.data(), chunk.size());
    header_sent = true;
    if (!writer->Write(msg)) return absl::CancelledError("the client went away");
    if (downloaded_bytes_ != nullptr) downloaded_bytes_->Increment(chunk.size());
    sent += chunk.size();
    if (sent < length && throttle.ShouldPublish(sent, absl::Now())) {
      PublishDownloadProgress(download_id, file, sent, length);
    }
    return absl::OkStatus();
  };

  if (content.inline_data.has_value()) {
    ASSIGN_OR_RETURN(std::string plain, OpenInline(content, data_key));
    if (length > 0) RETURN_IF_ERROR(sink(std::string_view(plain).substr(req.offset(), length)));
  } else if (length > 0) {
    ASSIGN_OR_RETURN(std::vector<SegmentRecord> segments, deps_.store->GetSegments(content.id));
    std::unique_ptr<erasure::ErasureCodec> own_codec;
    const erasure::ErasureCodec* codec = deps_.codec;
    if (content.data_shards != codec->data_shards() ||
        content.parity_shards != codec->parity_shards()) {
      // Written under an earlier k + m setting.
      ASSIGN_OR_RETURN(own_codec, erasure::MakeCodec(erasure::Backend::kJerasure,
                                                     content.data_shards, content.parity_shards));
      codec = own_codec.get();
    }
    if (codec->id() != content.codec_id) {
      return absl::InternalError("the file was written with another erasure codec");
    }
    SegmentReader reader(*codec, *deps_.shards, content, data_key, segments.size(),
                         deps_.pipeline.shard_read_grace);
    RETURN_IF_ERROR(StreamRange(reader, content, segments, req.offset(), length,
                                deps_.pipeline.prefetch_segments, kMaxChunk, sink));
  }
  if (!header_sent && !writer->Write(first)) {
    return absl::CancelledError("the client went away");
  }
  PublishDownloadProgress(download_id, file, sent, length);
  return absl::OkStatus();
}

void FileServiceImpl::PublishDownloadProgress(const std::string& download_id,
                                              const FileRecord& file, uint64_t sent,
                                              uint64_t total) {
  if (deps_.bus == nullptr) return;
  events::v1::Event event = bus::NewEvent("download.progress", deps_.source);
  event.set_subject_user(file.owner_id);
  auto* p = event.mutable_download_progress();
  p->set_download_id(download_id);
  p->set_file_id(file.id);
  p->set_owner_id(file.owner_id);
  p->set_bytes_sent(sent);
  p->set_total_bytes(total);
  (void)deps_.bus->PublishEvent(event);  // buffered by libnats; never waits for the network
}

}  // namespace datamesh::file_ingest
