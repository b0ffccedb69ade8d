// FileServiceImpl::Upload: header validation, body streaming, commit, event and quota.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <optional>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "services/file-ingest/file_ingest_service.h"
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
#include "shared/status/grpc_status.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {

struct FileServiceImpl::UploadPlan {
  file::v1::UploadHeader header;
  FileRecord file;  // content: everything but the fields the body determines
  crypto::SecretBytes data_key;
  std::optional<std::string> expected_sha256;
  bool link_only = false;  // the owner already stores content with expected_sha256
  std::string upload_id;   // from the header, else the file id (correlates progress events)
  // The shape this upload started with; a live change of shape applies to later uploads.
  const erasure::ErasureCodec* codec = nullptr;
  // S3 puts only (header.compute_md5): the ETag, fed with the bytes as they arrive.
  std::unique_ptr<Md5Stream> md5;
};

grpc::Status FileServiceImpl::Upload(grpc::ServerContext* ctx,
                                     grpc::ServerReader<file::v1::UploadRequest>* reader,
                                     file::v1::UploadResponse* resp) {
  absl::Status status = DoUpload(ctx, reader, resp);
  if (!status.ok() && !absl::IsInvalidArgument(status) && !absl::IsCancelled(status)) {
    log::Warn("upload failed", {{"error", status.ToString()}});
  }
  if (status.GetPayload(kQuotaRefusedPayload).has_value()) {
    ctx->AddTrailingMetadata("dm-error-code", "QUOTA_EXCEEDED");
  } else if (status.GetPayload(kStorageNodesPayload).has_value()) {
    ctx->AddTrailingMetadata("dm-error-code", "STORAGE_UNAVAILABLE");
  }
  return ToGrpcStatus(SanitizeForClient(status));
}

void FillFileStored(const FileRecord& rec, uint64_t stored_bytes, const std::string& reservation_id,
                    const std::string& upload_id, bool multipart_part,
                    events::v1::FileStored* p) {
  p->set_file_id(rec.id);
  p->set_owner_id(rec.owner_id);
  p->set_name(rec.name);
  p->set_size(rec.content.size);
  p->set_content_type(rec.content_type);
  p->set_sha256(rec.content.sha256);
  p->set_stored_bytes(stored_bytes);
  p->mutable_redundancy()->set_data_shards(rec.content.data_shards);
  p->mutable_redundancy()->set_parity_shards(rec.content.parity_shards);
  p->set_encryption(rec.encryption);
  p->set_reservation_id(reservation_id);
  p->set_upload_id(upload_id);
  p->set_multipart_part(multipart_part);
  SetTime(rec.created_at, p->mutable_created_at());
}

std::string FileDeletedEvent(const std::string& source, const FileRecord& rec,
                             bool multipart_part) {
  events::v1::Event event = bus::NewEvent("file.deleted", source);
  event.set_subject_user(rec.owner_id);
  auto* p = event.mutable_file_deleted();
  p->set_file_id(rec.id);
  p->set_owner_id(rec.owner_id);
  p->set_name(rec.name);
  p->set_size(rec.content.size);
  p->set_actor_id(rec.owner_id);
  p->set_multipart_part(multipart_part);
  return event.SerializeAsString();
}

EventMaker ReplacedFileEvent(const std::string& source) {
  return [source](const FileRecord& rec, bool) { return FileDeletedEvent(source, rec, false); };
}

namespace {

// k + m of the content's codec.
uint32_t ShardsPerSegment(const ContentRecord& content) {
  return content.data_shards + content.parity_shards;
}

// Who an upload.progress event is about, copied out of the upload's plan so that an event can
// still be sent after the upload returned (when its late shard writes end).
struct ProgressSubject {
  std::string source;
  std::string owner_id;
  std::string upload_id;
  std::string name;
  std::optional<uint64_t> total_bytes;
  uint32_t shards_per_segment = 0;
  uint64_t segment_bytes = 0;
};

ProgressSubject SubjectOf(const std::string& source, const FileRecord& file,
                          const std::string& upload_id, const file::v1::UploadHeader& header,
                          uint64_t segment_bytes) {
  ProgressSubject s{source, file.owner_id, upload_id, file.name};
  if (header.has_declared_size()) s.total_bytes = header.declared_size();
  s.shards_per_segment = ShardsPerSegment(file.content);
  s.segment_bytes = segment_bytes;
  return s;
}

void PublishProgress(bus::Bus& bus, const ProgressSubject& s, uint64_t received, uint64_t stored,
                     const UploadDurability& durability, bool committed) {
  events::v1::Event event = bus::NewEvent("upload.progress", s.source);
  event.set_subject_user(s.owner_id);
  auto* p = event.mutable_upload_progress();
  p->set_upload_id(s.upload_id);
  p->set_owner_id(s.owner_id);
  p->set_name(s.name);
  p->set_bytes_received(received);
  if (s.total_bytes.has_value()) p->set_total_bytes(*s.total_bytes);
  p->set_bytes_stored(stored);
  p->set_shards_placed(durability.shards_placed);
  p->set_shards_total(durability.shards_total);
  p->set_segments_durable(durability.segments_durable);
  p->set_segments_total(durability.segments_total);
  p->set_shards_per_segment(s.shards_per_segment);
  p->set_segment_bytes(s.segment_bytes);
  p->set_committed(committed);
  (void)bus.PublishEvent(event);  // buffered by libnats; never waits for the network
}

// The committed file's durability once its late shard writes ended: `stored` more shards
// placed. Segments are counted durable only when every shard of the file is (the late writes'
// segments are not told apart here).
UploadDurability AfterLateWrites(UploadDurability d, uint64_t stored) {
  d.shards_placed = std::min(d.shards_total, d.shards_placed + stored);
  if (d.shards_placed == d.shards_total) d.segments_durable = d.segments_total;
  return d;
}

bool AnyShardMissing(const std::vector<SegmentRecord>& segments) {
  for (const SegmentRecord& seg : segments) {
    for (const ShardRecord& shard : seg.shards) {
      if (shard.state == ShardState::kMissing) return true;
    }
  }
  return false;
}

}  // namespace

absl::Status FileServiceImpl::DoUpload(grpc::ServerContext* ctx,
                                       grpc::ServerReader<file::v1::UploadRequest>* reader,
                                       file::v1::UploadResponse* resp) {
  file::v1::UploadRequest first;
  if (!reader->Read(&first) || !first.has_header()) {
    return absl::InvalidArgumentError(
        "the upload must begin with a header message (none arrived, or it could not be parsed)");
  }
  ASSIGN_OR_RETURN(UploadPlan plan, PrepareUpload(first.header()));
  // Each shard write is recorded first, so GC cannot take it before the commit. Shared with
  // writes that may outlive this call (late shard writes).
  auto tracked = std::make_shared<IntentShardStore>(*deps_.shards, deps_.intents, plan.file.id);
  UploadPipeline pipeline(
      deps_.pipeline, *plan.codec, *deps_.placement, *tracked,
      {plan.file.id, plan.file.content.nonce_prefix, &plan.data_key, plan.file.content_type},
      plan.link_only, deps_.late, tracked);
  absl::Status status = ReceiveBody(ctx, reader, first, plan, pipeline);
  absl::StatusOr<UploadOutcome> outcome =
      status.ok() ? pipeline.Finish() : absl::StatusOr<UploadOutcome>(status);
  // The usage is committed before the file becomes visible: a file quota refuses is never
  // listed, and a visible file is always counted.
  if (outcome.ok()) {
    absl::Status quota = CommitQuota(plan.header.reservation_id(), outcome->size, plan.file.id);
    if (!quota.ok()) outcome = quota;
  }
  const bool left_missing = outcome.ok() && AnyShardMissing(outcome->segments);
  // A file kept in the manifest (no segments) wrote no shard and so recorded no intent: its
  // commit skips the intents' DELETE, one transaction less per small upload.
  const bool wrote_no_shards = outcome.ok() && outcome->segments.empty();
  // Counted before the commit takes the segments: the final event's durability.
  UploadDurability durability;
  if (outcome.ok()) {
    durability =
        CountDurability(outcome->segments, std::nullopt, ShardsPerSegment(plan.file.content));
  }
  std::string event;
  absl::StatusOr<CommitResult> commit = outcome.ok()
                                            ? CommitUpload(plan, std::move(*outcome), &event)
                                            : absl::StatusOr<CommitResult>(outcome.status());
  if (!commit.ok()) {
    // Nothing became visible: the shards written so far are orphans.
    if (deps_.late != nullptr) deps_.late->Abandon(pipeline.TakeLateWrites());
    absl::Status queued = deps_.store->EnqueueShardDeletions(pipeline.WrittenShards());
    if (!queued.ok()) log::Warn("could not queue orphan shards", {{"error", queued.ToString()}});
    ClearIntents(plan.file.id);
    ReleaseQuota(plan.header.reservation_id());
    return commit.status();
  }
  if (!wrote_no_shards) ClearIntents(plan.file.id);
  PublishUploadProgress(plan, commit->file.content.size, commit->file.content.size, durability,
                        /*committed=*/true);
  if (deps_.late != nullptr) {
    // The event above counts the shards acknowledged by now; writes left running end
    // later, and one more event then says how many of them landed (a browser's durability bar
    // reaches 100 % then). The bus outlives the late writes (it is torn down after the parts).
    ProgressSubject subject = SubjectOf(deps_.source, plan.file, plan.upload_id, plan.header,
                                        deps_.pipeline.segment_bytes);
    deps_.late->Settle(pipeline.TakeLateWrites(), [bus = deps_.bus, subject = std::move(subject),
                                                   size = commit->file.content.size, durability](
                                                      uint64_t stored, uint64_t /*missing*/) {
      if (bus == nullptr) return;
      PublishProgress(*bus, subject, size, size, AfterLateWrites(durability, stored),
                      /*committed=*/true);
    });
  }
  // Shards no node took are written by repair now, not at its next periodic pass.
  if (left_missing && deps_.maintenance != nullptr) {
    deps_.maintenance->RequestRepair("upload left shards missing");
  }
  PublishCommitted(event, commit->outbox_id);
  for (const ReplacedFile& gone : commit->replaced) PublishCommitted(gone.event, gone.outbox_id);
  if (uploaded_bytes_ != nullptr) uploaded_bytes_->Increment(commit->file.content.size);
  ToProto(commit->file, resp->mutable_file());
  return absl::OkStatus();
}

absl::StatusOr<FileServiceImpl::UploadPlan> FileServiceImpl::PrepareUpload(
    const file::v1::UploadHeader& h) {
  RETURN_IF_ERROR(ValidateId("owner_id", h.owner_id()));
  RETURN_IF_ERROR(ValidateName(h.name()));
  std::map<std::string, std::string> tags(h.tags().begin(), h.tags().end());
  RETURN_IF_ERROR(ValidateTags(tags));
  RETURN_IF_ERROR(ValidateContentType(h.content_type()));
  std::map<std::string, std::string> metadata(h.object_metadata().begin(),
                                              h.object_metadata().end());
  RETURN_IF_ERROR(ValidateObjectMetadata(metadata));
  if (h.owner_public_key().size() != crypto::kX25519KeySize) {
    return absl::InvalidArgumentError("owner_public_key must be 32 bytes");
  }
  UploadPlan plan;
  plan.header = h;
  if (h.has_expected_sha256()) {
    ASSIGN_OR_RETURN(plan.expected_sha256, NormalizeSha256(h.expected_sha256()));
  }
  ASSIGN_OR_RETURN(std::string id, crypto::NewUuid());
  ASSIGN_OR_RETURN(plan.data_key, crypto::SecretBytes::Random(crypto::kAesGcmKeySize));
  FileRecord& f = plan.file;
  f.id = id;
  plan.upload_id = h.upload_id().empty() ? id : h.upload_id();
  f.owner_id = h.owner_id();
  f.name = h.name();
  f.content_type = h.content_type().empty() ? "application/octet-stream" : h.content_type();
  f.tags = std::move(tags);
  f.object_metadata = std::move(metadata);
  if (h.compute_md5()) {
    ASSIGN_OR_RETURN(plan.md5, Md5Stream::Create());
  }
  f.encryption = h.client_encrypted() ? "client" : "server";
  ContentRecord& c = f.content;
  c.id = id;
  c.owner_id = h.owner_id();
  c.key_version = h.owner_key_version();
  ASSIGN_OR_RETURN(c.nonce_prefix, crypto::RandomBytes(kNoncePrefixSize));
  plan.codec = &CurrentCodec();
  c.codec_id = std::string(plan.codec->id());
  c.data_shards = plan.codec->data_shards();
  c.parity_shards = plan.codec->parity_shards();
  c.segment_size = deps_.pipeline.segment_bytes;
  auto wrapped = crypto::EciesSeal(h.owner_public_key(), plan.data_key.view(),
                                   WrappedKeyAad(c.id, c.key_version));
  if (!wrapped.ok()) return absl::InvalidArgumentError("owner_public_key is not a usable key");
  c.wrapped_key = std::move(*wrapped);
  if (plan.expected_sha256.has_value()) {
    ASSIGN_OR_RETURN(auto existing, deps_.store->FindContent(f.owner_id, *plan.expected_sha256));
    plan.link_only = existing.has_value();
  }
  return plan;
}

absl::Status FileServiceImpl::ReceiveBody(grpc::ServerContext* ctx,
                                          grpc::ServerReader<file::v1::UploadRequest>* reader,
                                          file::v1::UploadRequest& first, const UploadPlan& plan,
                                          UploadPipeline& pipeline) {
  const auto& h = plan.header;
  auto check_size = [&]() -> absl::Status {
    if (h.has_declared_size() && pipeline.bytes_received() > h.declared_size()) {
      return absl::InvalidArgumentError("more bytes than declared_size");
    }
    return absl::OkStatus();
  };
  ProgressThrottle throttle;
  auto progress = [&] {
    if (throttle.ShouldPublish(pipeline.bytes_received(), absl::Now())) {
      PublishUploadProgress(plan, pipeline.bytes_received(), pipeline.bytes_stored(),
                            DurabilitySoFar(plan, pipeline), /*committed=*/false);
    }
  };
  RETURN_IF_ERROR(pipeline.Write(first.chunk()));
  if (plan.md5 != nullptr) plan.md5->Update(first.chunk());
  RETURN_IF_ERROR(check_size());
  std::string().swap(*first.mutable_chunk());  // not held for the whole upload (1 MiB each)
  file::v1::UploadRequest msg;
  while (reader->Read(&msg)) {
    if (msg.has_header()) return absl::InvalidArgumentError("header repeated");
    RETURN_IF_ERROR(pipeline.Write(msg.chunk()));
    if (plan.md5 != nullptr) plan.md5->Update(msg.chunk());
    RETURN_IF_ERROR(check_size());
    progress();
  }
  if (ctx->IsCancelled()) return absl::CancelledError("the client ended the upload early");
  return absl::OkStatus();
}

absl::StatusOr<CommitResult> FileServiceImpl::CommitUpload(const UploadPlan& plan,
                                                           UploadOutcome outcome,
                                                           std::string* event_bytes) {
  const auto& h = plan.header;
  if (h.has_declared_size() && outcome.size != h.declared_size()) {
    return absl::InvalidArgumentError("byte count differs from declared_size");
  }
  if (plan.expected_sha256.has_value() && outcome.sha256 != *plan.expected_sha256) {
    return absl::InvalidArgumentError("content does not match expected_sha256");
  }
  FileRecord file = plan.file;
  file.content.size = outcome.size;
  file.content.sha256 = outcome.sha256;
  file.content.merkle_root = outcome.merkle_root;
  file.content.inline_data = std::move(outcome.inline_sealed);
  file.content.inline_compressed = outcome.inline_compressed;
  if (plan.md5 != nullptr) {
    ASSIGN_OR_RETURN(file.md5, plan.md5->FinishHex());
  }
  events::v1::Event event = bus::NewEvent("file.stored", deps_.source);
  event.set_subject_user(file.owner_id);
  const uint64_t stored = outcome.stored_bytes;
  auto maker = [&](const FileRecord& rec, bool dedup) {
    FillFileStored(rec, dedup ? 0 : stored, h.reservation_id(), h.upload_id(),
                   /*multipart_part=*/false, event.mutable_file_stored());
    *event_bytes = event.SerializeAsString();
    return *event_bytes;
  };
  CommitOptions options{plan.link_only, {}};
  if (h.replace_same_name()) options.replaced_event = ReplacedFileEvent(deps_.source);
  return deps_.store->CommitFile(file, outcome.segments, options, maker);
}

void FileServiceImpl::ClearIntents(const std::string& writer_id) {
  if (deps_.intents == nullptr) return;
  // A failed clear is retried by the instance's next intent refresh (ShardIntents::Clear).
  absl::Status status = deps_.intents->Clear(writer_id);
  if (!status.ok()) log::Warn("could not clear shard intents", {{"error", status.ToString()}});
}

UploadDurability FileServiceImpl::DurabilitySoFar(const UploadPlan& plan,
                                                  const UploadPipeline& pipeline) const {
  std::optional<uint64_t> expected;
  if (plan.header.has_declared_size()) {
    expected = ExpectedSegments(plan.header.declared_size(), deps_.pipeline.segment_bytes,
                                deps_.pipeline.inline_max_bytes);
  }
  return CountDurability(pipeline.collected_segments(), expected,
                         ShardsPerSegment(plan.file.content));
}

void FileServiceImpl::PublishUploadProgress(const UploadPlan& plan, uint64_t received,
                                            uint64_t stored, const UploadDurability& durability,
                                            bool committed) {
  if (deps_.bus == nullptr) return;
  PublishProgress(
      *deps_.bus,
      SubjectOf(deps_.source, plan.file, plan.upload_id, plan.header, deps_.pipeline.segment_bytes),
      received, stored, durability, committed);
}

absl::Status FileServiceImpl::CommitQuota(const std::string& reservation, uint64_t size,
                                          const std::string& file_id) {
  if (reservation.empty() || deps_.quota == nullptr) return absl::OkStatus();
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deps_.rpc_timeout));
  quota::v1::CommitRequest req;
  req.set_reservation_id(reservation);
  req.set_actual_bytes(size);
  req.set_file_id(file_id);
  quota::v1::CommitResponse resp;
  const grpc::Status status = deps_.quota->Commit(&ctx, req, &resp);
  if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
    absl::Status refused = absl::ResourceExhaustedError(
        "storage quota exceeded: the file is larger than the space left");
    refused.SetPayload(kQuotaRefusedPayload, absl::Cord("1"));
    return refused;
  }
  if (!status.ok()) {
    // quota down or the reservation gone: file.stored carries the reservation id and the size,
    // so quota still counts the file (exactly once) and retires the reservation from the event.
    log::Warn("quota commit failed; usage follows from file.stored",
              {{"error", status.error_message()}});
  }
  return absl::OkStatus();
}

void FileServiceImpl::ReleaseQuota(const std::string& reservation) {
  if (reservation.empty() || deps_.quota == nullptr) return;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deps_.rpc_timeout));
  quota::v1::ReleaseRequest req;
  req.set_reservation_id(reservation);
  quota::v1::ReleaseResponse resp;
  const grpc::Status status = deps_.quota->Release(&ctx, req, &resp);
  if (!status.ok()) {
    // Committed but the manifest failed, or quota down: the reservation expires on its own.
    log::Warn("quota release failed", {{"error", status.error_message()}});
  }
}

}  // namespace datamesh::file_ingest
