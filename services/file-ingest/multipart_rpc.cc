// FileServiceImpl: S3 multipart uploads -- CreateMultipartUpload, UploadPart, ListParts,
// ListMultipartUploads, CompleteMultipartUpload, AbortMultipartUpload -- over MultipartStore.
//
// UploadPart streams a part through the same UploadPipeline as Upload, under the upload's data
// key, with its segments numbered as multipart_index.h says; its reservation is committed to
// quota under the part's id before the part commits, and its file.stored (same id) settles it.
#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/file-ingest/bucket_name.h"
#include "services/file-ingest/download_pipeline.h"
#include "services/file-ingest/file_ingest_service.h"
#include "services/file-ingest/multipart_index.h"
#include "services/file-ingest/object_md5.h"
#include "services/file-ingest/object_metadata.h"
#include "services/file-ingest/rpc_util.h"
#include "services/file-ingest/segment_codec.h"
#include "services/file-ingest/validation.h"
#include "shared/bus/bus.h"
#include "shared/bus/event.h"
#include "shared/crypto/ecies.h"
#include "shared/crypto/random.h"
#include "shared/crypto/x25519.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

// S3's page size for ListParts and ListMultipartUploads.
constexpr uint32_t kMaxPage = 1000;
uint32_t PageSize(uint32_t asked) { return asked == 0 ? kMaxPage : std::min(asked, kMaxPage); }

// An upload id no upload could have is answered as an unknown one (S3's NoSuchUpload).
absl::Status ValidateUploadRef(const std::string& owner_id, const std::string& upload_id) {
  RETURN_IF_ERROR(ValidateId("owner_id", owner_id));
  if (!ValidateId("upload_id", upload_id).ok()) return NoSuchUploadError();
  return absl::OkStatus();
}

void PartToProto(const PartRecord& p, file::v1::MultipartPart* out) {
  out->set_part_number(p.part_number);
  out->set_size(p.size);
  out->set_md5(p.md5);
  SetTime(p.created_at, out->mutable_last_modified());
}

// A part as quota counts it: a file of its own id, with the upload's name and shape.
FileRecord PartAsFile(const MultipartUploadRecord& upload, const PartRecord& part) {
  FileRecord f;
  f.id = part.id;
  f.owner_id = upload.owner_id;
  f.name = upload.name;
  f.content_type = upload.content_type;
  f.encryption = "server";
  f.created_at = part.created_at;
  f.content = upload.content;
  f.content.size = part.size;
  f.content.sha256 = part.sha256;
  return f;
}

std::string FileStoredEvent(const std::string& source, const FileRecord& rec,
                            const std::string& reservation_id, const std::string& upload_id,
                            bool multipart_part = false) {
  events::v1::Event event = bus::NewEvent("file.stored", source);
  event.set_subject_user(rec.owner_id);
  FillFileStored(rec, /*stored_bytes=*/0, reservation_id, upload_id, multipart_part,
                 event.mutable_file_stored());
  return event.SerializeAsString();
}

// The file.stored (with the call's reservation) or file.deleted quota counts a part by.
PartEventMaker PartEvent(const std::string& source) {
  return [source](const MultipartUploadRecord& upload, const PartRecord& part, bool stored) {
    const FileRecord as_file = PartAsFile(upload, part);
    if (stored) {
      return FileStoredEvent(source, as_file, part.reservation_id, upload.id,
                             /*multipart_part=*/true);
    }
    return FileDeletedEvent(source, as_file, /*multipart_part=*/true);
  };
}

// The completed file's file.stored: counted once, at its size (its parts leave quota in the
// same transaction).
EventMaker CompletedFileEvent(const std::string& source, const std::string& upload_id) {
  return [source, upload_id](const FileRecord& rec, bool) {
    return FileStoredEvent(source, rec, "", upload_id);
  };
}

// The answer to a failed UploadPart: its dm-error-code (NO_SUCH_UPLOAD, QUOTA_EXCEEDED,
// STORAGE_UNAVAILABLE) as trailer.
grpc::Status ReplyToPart(grpc::ServerContext* ctx, const absl::Status& status) {
  if (status.GetPayload(kQuotaRefusedPayload).has_value()) {
    ctx->AddTrailingMetadata("dm-error-code", "QUOTA_EXCEEDED");
  } else if (status.GetPayload(kStorageNodesPayload).has_value()) {
    ctx->AddTrailingMetadata("dm-error-code", "STORAGE_UNAVAILABLE");
  }
  return ReplyWithCode(ctx, status);
}

}  // namespace

grpc::Status FileServiceImpl::CreateMultipartUpload(
    grpc::ServerContext* ctx, const file::v1::CreateMultipartUploadRequest* req,
    file::v1::CreateMultipartUploadResponse* resp) {
  std::map<std::string, std::string> metadata(req->object_metadata().begin(),
                                              req->object_metadata().end());
  absl::Status valid = ValidateId("owner_id", req->owner_id());
  if (valid.ok()) valid = ValidateName(req->name());
  if (valid.ok()) valid = ValidateContentType(req->content_type());
  if (valid.ok()) valid = ValidateObjectMetadata(metadata);
  if (valid.ok() && req->owner_public_key().size() != crypto::kX25519KeySize) {
    valid = absl::InvalidArgumentError("owner_public_key must be 32 bytes");
  }
  if (!valid.ok()) return Reply(valid);
  absl::Status status = [&]() -> absl::Status {
    MultipartUploadRecord upload;
    ASSIGN_OR_RETURN(upload.id, crypto::NewUuid());
    upload.owner_id = req->owner_id();
    upload.name = req->name();
    upload.content_type =
        req->content_type().empty() ? "application/octet-stream" : req->content_type();
    upload.object_metadata = std::move(metadata);
    ContentRecord& c = upload.content;
    ASSIGN_OR_RETURN(c.id, crypto::NewUuid());  // also the id of the file Complete makes
    c.owner_id = req->owner_id();
    c.key_version = req->owner_key_version();
    ASSIGN_OR_RETURN(c.nonce_prefix, crypto::RandomBytes(kNoncePrefixSize));
    const erasure::ErasureCodec& codec = CurrentCodec();
    c.codec_id = std::string(codec.id());
    c.data_shards = codec.data_shards();
    c.parity_shards = codec.parity_shards();
    c.segment_size = deps_.pipeline.segment_bytes;
    ASSIGN_OR_RETURN(crypto::SecretBytes data_key,
                     crypto::SecretBytes::Random(crypto::kAesGcmKeySize));
    auto wrapped = crypto::EciesSeal(req->owner_public_key(), data_key.view(),
                                     WrappedKeyAad(c.id, c.key_version));
    if (!wrapped.ok()) return absl::InvalidArgumentError("owner_public_key is not a usable key");
    c.wrapped_key = std::move(*wrapped);
    RETURN_IF_ERROR(multipart_->Create(upload));
    resp->set_upload_id(upload.id);
    SetTime(upload.created_at, resp->mutable_initiated_at());
    return absl::OkStatus();
  }();
  return ReplyWithCode(ctx, status);
}

grpc::Status FileServiceImpl::UploadPart(grpc::ServerContext* ctx,
                                         grpc::ServerReader<file::v1::UploadPartRequest>* reader,
                                         file::v1::UploadPartResponse* resp) {
  absl::Status status = DoUploadPart(ctx, reader, resp);
  if (!status.ok() && !absl::IsInvalidArgument(status) && !absl::IsCancelled(status) &&
      !absl::IsNotFound(status)) {
    log::Warn("upload part failed", {{"error", status.ToString()}});
  }
  return ReplyToPart(ctx, status);
}

absl::Status FileServiceImpl::DoUploadPart(grpc::ServerContext* ctx,
                                           grpc::ServerReader<file::v1::UploadPartRequest>* reader,
                                           file::v1::UploadPartResponse* resp) {
  file::v1::UploadPartRequest msg;
  if (!reader->Read(&msg) || !msg.has_header()) {
    return absl::InvalidArgumentError("the part must begin with a header message");
  }
  const file::v1::UploadPartHeader h = msg.header();
  RETURN_IF_ERROR(ValidateUploadRef(h.owner_id(), h.upload_id()));
  if (h.part_number() < 1 || h.part_number() > kMaxPartNumber) {
    return absl::InvalidArgumentError("part_number must be 1..10000");
  }
  if (h.private_key().size() != crypto::kX25519KeySize) {
    return absl::InvalidArgumentError("private_key must be 32 bytes");
  }
  ASSIGN_OR_RETURN(auto begun, multipart_->BeginPart(h.owner_id(), h.upload_id()));
  const MultipartUploadRecord& upload = begun.first;
  PartRecord part;
  part.part_number = h.part_number();
  part.attempt = begun.second;
  part.reservation_id = h.reservation_id();
  ASSIGN_OR_RETURN(part.id, crypto::NewUuid());
  ASSIGN_OR_RETURN(crypto::SecretBytes data_key, UnwrapKey(upload.content, h.private_key()));
  // Every part is written with the shape its content recorded at Create (or re-encoded to).
  ASSIGN_OR_RETURN(const erasure::ErasureCodec* codec, CodecForContent(upload.content));
  ASSIGN_OR_RETURN(std::unique_ptr<Md5Stream> md5, Md5Stream::Create());

  auto tracked = std::make_shared<IntentShardStore>(*deps_.shards, deps_.intents, part.id);
  UploadPipeline pipeline(deps_.pipeline, *codec, *deps_.placement, *tracked,
                          {upload.content.id, upload.content.nonce_prefix, &data_key,
                           upload.content_type, PartSegmentBase(part.part_number, part.attempt)},
                          /*discard=*/false, deps_.late, tracked);
  auto receive = [&]() -> absl::Status {
    bool first = true;
    do {
      if (!first && msg.has_header()) return absl::InvalidArgumentError("header repeated");
      first = false;
      RETURN_IF_ERROR(pipeline.Write(msg.chunk()));
      md5->Update(msg.chunk());
      if (h.has_declared_size() && pipeline.bytes_received() > h.declared_size()) {
        return absl::InvalidArgumentError("more bytes than declared_size");
      }
      msg.Clear();
    } while (reader->Read(&msg));
    if (ctx->IsCancelled()) return absl::CancelledError("the client ended the part early");
    if (h.has_declared_size() && pipeline.bytes_received() != h.declared_size()) {
      return absl::InvalidArgumentError("byte count differs from declared_size");
    }
    return absl::OkStatus();
  };
  const absl::Status received = receive();
  absl::StatusOr<UploadOutcome> outcome =
      received.ok() ? pipeline.Finish() : absl::StatusOr<UploadOutcome>(received);
  if (outcome.ok()) {
    part.size = outcome->size;
    part.sha256 = outcome->sha256;
    absl::StatusOr<std::string> hex = md5->FinishHex();
    if (hex.ok()) part.md5 = *hex;
    absl::Status counted =
        hex.ok() ? CommitQuota(h.reservation_id(), part.size, part.id) : hex.status();
    if (!counted.ok()) outcome = counted;
  }
  absl::StatusOr<std::vector<OutboxEvent>> committed =
      outcome.ok()
          ? multipart_->CommitPart(upload, part, outcome->segments, PartEvent(deps_.source))
          : absl::StatusOr<std::vector<OutboxEvent>>(outcome.status());
  if (!committed.ok()) {
    // Nothing of this attempt is recorded: its shards are orphans.
    if (deps_.late != nullptr) deps_.late->Abandon(pipeline.TakeLateWrites());
    absl::Status queued = deps_.store->EnqueueShardDeletions(pipeline.WrittenShards());
    if (!queued.ok()) log::Warn("could not queue orphan shards", {{"error", queued.ToString()}});
    ClearIntents(part.id);
    ReleaseQuota(h.reservation_id());
    return committed.status();
  }
  ClearIntents(part.id);
  if (deps_.late != nullptr) deps_.late->Settle(pipeline.TakeLateWrites());
  for (const OutboxEvent& e : *committed) PublishCommitted(e.bytes, e.id);
  if (uploaded_bytes_ != nullptr) uploaded_bytes_->Increment(static_cast<double>(part.size));
  part.created_at = absl::Now();
  PartToProto(part, resp->mutable_part());
  return absl::OkStatus();
}

grpc::Status FileServiceImpl::ListParts(grpc::ServerContext* ctx,
                                        const file::v1::ListPartsRequest* req,
                                        file::v1::ListPartsResponse* resp) {
  if (auto s = ValidateUploadRef(req->owner_id(), req->upload_id()); !s.ok()) {
    return ReplyWithCode(ctx, s);
  }
  const uint32_t limit = PageSize(req->max_parts());
  auto page = multipart_->ListParts(req->owner_id(), req->upload_id(), req->part_number_marker(),
                                    static_cast<int>(limit));
  if (!page.ok()) return ReplyWithCode(ctx, page.status());
  resp->set_name(page->name);
  for (const PartRecord& p : page->parts) PartToProto(p, resp->add_parts());
  resp->set_is_truncated(page->truncated);
  if (page->truncated) resp->set_next_part_number_marker(page->parts.back().part_number);
  return grpc::Status::OK;
}

grpc::Status FileServiceImpl::ListMultipartUploads(grpc::ServerContext* ctx,
                                                   const file::v1::ListMultipartUploadsRequest* req,
                                                   file::v1::ListMultipartUploadsResponse* resp) {
  absl::Status valid = ValidateId("owner_id", req->owner_id());
  if (valid.ok()) valid = ValidateBucketName(req->bucket());
  if (valid.ok()) valid = ValidateListArg("prefix", req->prefix());
  if (valid.ok()) valid = ValidateListArg("key_marker", req->key_marker());
  if (valid.ok() && !req->upload_id_marker().empty()) {
    valid = ValidateId("upload_id_marker", req->upload_id_marker());
  }
  if (!valid.ok()) return Reply(valid);
  auto bucket = buckets_->Get(req->bucket());
  if (!bucket.ok()) return Reply(bucket.status());
  if (bucket->owner_id != req->owner_id()) return Reply(absl::NotFoundError("no such bucket"));
  const std::string root = req->bucket() + "/";
  const std::string after = req->key_marker().empty() ? "" : root + req->key_marker();
  auto page =
      multipart_->ListUploads(req->owner_id(), root + req->prefix(), after, req->upload_id_marker(),
                              static_cast<int>(PageSize(req->max_uploads())));
  if (!page.ok()) return ReplyWithCode(ctx, page.status());
  for (const MultipartUploadRecord& u : page->uploads) {
    file::v1::MultipartUpload* out = resp->add_uploads();
    out->set_upload_id(u.id);
    out->set_name(u.name);
    SetTime(u.created_at, out->mutable_initiated_at());
  }
  resp->set_is_truncated(page->truncated);
  if (page->truncated) {
    resp->set_next_key_marker(page->uploads.back().name.substr(root.size()));
    resp->set_next_upload_id_marker(page->uploads.back().id);
  }
  return grpc::Status::OK;
}

grpc::Status FileServiceImpl::CompleteMultipartUpload(
    grpc::ServerContext* ctx, const file::v1::CompleteMultipartUploadRequest* req,
    file::v1::CompleteMultipartUploadResponse* resp) {
  if (auto s = ValidateUploadRef(req->owner_id(), req->upload_id()); !s.ok()) {
    return ReplyWithCode(ctx, s);
  }
  if (req->parts_size() > static_cast<int>(kMaxPartNumber)) {
    return Reply(absl::InvalidArgumentError("at most 10000 parts"));
  }
  std::vector<ListedPart> listed;
  for (const file::v1::CompletedPart& p : req->parts()) {
    listed.push_back({p.part_number(), absl::AsciiStrToLower(p.md5())});
  }
  auto done = multipart_->Complete(req->owner_id(), req->upload_id(), listed,
                                   deps_.multipart_min_part_bytes, PartEvent(deps_.source),
                                   CompletedFileEvent(deps_.source, req->upload_id()),
                                   ReplacedFileEvent(deps_.source));
  if (!done.ok()) return ReplyWithCode(ctx, done.status());
  for (const OutboxEvent& e : done->events) PublishCommitted(e.bytes, e.id);
  ToProto(done->file, resp->mutable_file());
  return grpc::Status::OK;
}

grpc::Status FileServiceImpl::AbortMultipartUpload(grpc::ServerContext* ctx,
                                                   const file::v1::AbortMultipartUploadRequest* req,
                                                   file::v1::AbortMultipartUploadResponse*) {
  if (auto s = ValidateUploadRef(req->owner_id(), req->upload_id()); !s.ok()) {
    return ReplyWithCode(ctx, s);
  }
  auto events = multipart_->Abort(req->owner_id(), req->upload_id(), PartEvent(deps_.source));
  if (!events.ok()) return ReplyWithCode(ctx, events.status());
  for (const OutboxEvent& e : *events) PublishCommitted(e.bytes, e.id);
  return grpc::Status::OK;
}

void FileServiceImpl::AbortBucketUploads(const std::string& owner_id, const std::string& bucket) {
  auto events = multipart_->AbortUnder(owner_id, bucket + "/", PartEvent(deps_.source));
  if (!events.ok()) {
    log::Warn("uploads of a deleted bucket left to expire",
              {{"bucket", bucket}, {"error", events.status().ToString()}});
    return;
  }
  for (const OutboxEvent& e : *events) PublishCommitted(e.bytes, e.id);
}

absl::StatusOr<int> FileServiceImpl::ExpireMultipartUploads(absl::Time idle_before) {
  constexpr int kBatch = 100;
  int total = 0;
  while (true) {
    ASSIGN_OR_RETURN(int aborted,
                     multipart_->ExpireIdle(idle_before, kBatch, PartEvent(deps_.source)));
    total += aborted;
    if (aborted < kBatch) return total;
  }
}

}  // namespace datamesh::file_ingest
