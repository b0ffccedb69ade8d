// FileServiceImpl::Download: key unwrapping, range checks and streaming.
#include <grpcpp/grpcpp.h>

#include <future>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "services/file-ingest/download_pipeline.h"
#include "services/file-ingest/file_ingest_service.h"
#include "services/file-ingest/segment_codec.h"
#include "services/file-ingest/validation.h"
#include "shared/bus/bus.h"
#include "shared/bus/event.h"
#include "shared/crypto/ecies.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hash.h"
#include "shared/crypto/random.h"
#include "shared/crypto/x25519.h"
#include "shared/log/log.h"
#include "shared/status/grpc_status.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

constexpr size_t kMaxChunk = 1 << 20;

// How the download pipeline words a segment it could not gather k shards of
// ("segment N has fewer than k readable shards", download_pipeline.cc).
constexpr char kSegmentWord[] = "segment ";
constexpr char kTooFewShards[] = "fewer than k readable shards";
// Marks a segment that is unreadable only for now; Download answers it with
// `dm-error-code: STORAGE_UNAVAILABLE`, which the gateway turns into a 503 with the message.
constexpr char kTemporarilyUnreadablePayload[] = "type.datamesh/file-ingest.temporarily-unreadable";

// Why one shard of a segment could not be read when the segment failed.
enum class ShardFate { kReadable, kAway, kLost };

ShardFate CheckShard(ShardStore& shards, const ShardRecord& rec, uint64_t shard_size,
                     const absl::StatusOr<std::set<std::string>>& up) {
  if (rec.state == ShardState::kMissing) return ShardFate::kLost;  // never written
  if (up.ok() && up->count(rec.node.id) == 0) return ShardFate::kAway;
  std::vector<uint8_t> buf(shard_size);
  const absl::Status read = shards.GetInto(rec.node, rec.shard_id, std::span<uint8_t>(buf));
  if (absl::IsUnavailable(read) || absl::IsDeadlineExceeded(read) || absl::IsCancelled(read) ||
      absl::IsAborted(read)) {
    return ShardFate::kAway;  // the node did not answer: down, restarting or moved
  }
  if (!read.ok()) return ShardFate::kLost;  // the node answered: not there, or the wrong size
  auto hash = crypto::Sha256(std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size()));
  const bool intact = hash.ok() && crypto::HexEncode(crypto::AsStringView(*hash)) == rec.shard_id;
  return intact ? ShardFate::kReadable : ShardFate::kLost;
}

// `status` is the download's failure. A segment too few of whose shards were readable is lost
// only when the manifest or the nodes say so: shards never written, or answered for by their
// node as absent or corrupt. When instead enough of them sit on nodes that are down or did not
// answer, the same download works once those nodes are back (or repair has rebuilt the
// shards): UNAVAILABLE, "temporarily unreadable, retry", rather than DATA_LOSS and a 500.
// Each of the segment's shards is tried once more to tell the two apart -- on this failure
// path only.
absl::Status ClassifyUnreadable(const absl::Status& status,
                                const std::vector<SegmentRecord>& segments, int data_shards,
                                ShardStore& shards, Placement* placement) {
  if (!absl::IsDataLoss(status) || !absl::StrContains(status.message(), kTooFewShards) ||
      !absl::StartsWith(status.message(), kSegmentWord)) {
    return status;
  }
  const absl::string_view rest = status.message().substr(sizeof(kSegmentWord) - 1);
  uint64_t index = 0;
  if (!absl::SimpleAtoi(rest.substr(0, rest.find(' ')), &index)) return status;
  const SegmentRecord* seg = nullptr;
  for (const SegmentRecord& s : segments) {
    if (s.index == index) seg = &s;
  }
  if (seg == nullptr) return status;
  const absl::StatusOr<std::set<std::string>> up =
      placement != nullptr ? placement->UpNodes()
                           : absl::StatusOr<std::set<std::string>>(absl::UnavailableError(""));
  std::vector<std::future<ShardFate>> fates;
  for (const ShardRecord& rec : seg->shards) {
    fates.push_back(std::async(std::launch::async, CheckShard, std::ref(shards), std::cref(rec),
                               seg->shard_size, std::cref(up)));
  }
  int readable = 0, away = 0;
  for (auto& f : fates) {
    const ShardFate fate = f.get();
    readable += fate == ShardFate::kReadable ? 1 : 0;
    away += fate == ShardFate::kAway ? 1 : 0;
  }
  if (readable + away < data_shards) return status;  // lost for good: keep DATA_LOSS
  absl::Status unavailable = absl::UnavailableError(
      absl::StrCat("segment ", index, " is temporarily unreadable: ", away,
                   " of its shards are on storage nodes that are down or not answering; retry"));
  unavailable.SetPayload(kTemporarilyUnreadablePayload, absl::Cord("1"));
  return unavailable;
}

}  // namespace

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

namespace {

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
  if (status.GetPayload(kTemporarilyUnreadablePayload).has_value()) {
    log::Warn("download temporarily unreadable",
              {{"file_id", req->file_id()}, {"error", status.ToString()}});
    ctx->AddTrailingMetadata("dm-error-code", "STORAGE_UNAVAILABLE");
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
    // The codec and k + m the file was written with, whatever new uploads use.
    ASSIGN_OR_RETURN(const erasure::ErasureCodec* codec, CodecForContent(content));
    SegmentReader reader(*codec, *deps_.shards, content, data_key, segments.size(),
                         deps_.pipeline.shard_read_grace, nullptr, deps_.pipeline.budget);
    absl::Status streamed = StreamRange(reader, content, segments, req.offset(), length,
                                        deps_.pipeline.prefetch_segments, kMaxChunk, sink);
    if (!streamed.ok()) {
      return ClassifyUnreadable(streamed, segments, content.data_shards, *deps_.shards,
                                deps_.placement);
    }
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
