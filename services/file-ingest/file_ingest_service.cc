// FileServiceImpl: metadata RPCs (Stat, List, Delete, UpdateMetadata, GetHealth,
// GetUsageSummary, ListStoredFiles) and the shared conversions.
#include "services/file-ingest/file_ingest_service.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "services/file-ingest/redundancy.h"
#include "services/file-ingest/rpc_util.h"
#include "services/file-ingest/validation.h"
#include "shared/bus/bus.h"
#include "shared/bus/event.h"
#include "shared/log/log.h"
#include "shared/status/grpc_status.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
FileServiceImpl::FileServiceImpl(ServiceDeps deps)
    : deps_(std::move(deps)),
      buckets_(deps_.store != nullptr ? std::make_unique<BucketStore>(deps_.store->pool())
                                      : nullptr),
      multipart_(deps_.store != nullptr ? std::make_unique<MultipartStore>(deps_.store->pool())
                                        : nullptr) {
  if (deps_.metrics != nullptr) {
    auto& bytes = prometheus::BuildCounter()
                      .Name("datamesh_file_ingest_transferred_bytes_total")
                      .Help("Plaintext bytes stored by uploads and sent by downloads")
                      .Register(*deps_.metrics);
    uploaded_bytes_ = &bytes.Add({{"direction", "upload"}});
    downloaded_bytes_ = &bytes.Add({{"direction", "download"}});
  }
}

void FileServiceImpl::ToProto(const FileRecord& rec, file::v1::File* out) const {
  out->set_id(rec.id);
  out->set_name(rec.name);
  out->set_size(rec.content.size);
  out->set_content_type(rec.content_type);
  out->set_sha256(rec.content.sha256);
  SetTime(rec.created_at, out->mutable_created_at());
  SetTime(rec.updated_at, out->mutable_updated_at());
  out->mutable_tags()->insert(rec.tags.begin(), rec.tags.end());
  const bool inline_file = rec.content.inline_data.has_value();
  out->mutable_redundancy()->set_data_shards(inline_file ? CurrentCodec().data_shards()
                                                         : rec.content.data_shards);
  out->mutable_redundancy()->set_parity_shards(inline_file ? CurrentCodec().parity_shards()
                                                           : rec.content.parity_shards);
  out->set_encryption(rec.encryption);
  out->set_md5(rec.md5);
  out->mutable_object_metadata()->insert(rec.object_metadata.begin(), rec.object_metadata.end());
}

void FileServiceImpl::PublishCommitted(const std::string& event_bytes, int64_t outbox_id) {
  if (deps_.bus == nullptr) return;
  auto event = bus::ParseEvent(event_bytes);
  absl::Status status = event.status();
  if (status.ok()) status = deps_.bus->PublishDurable(*event);
  if (status.ok()) status = deps_.store->RemoveOutbox(outbox_id);
  if (!status.ok()) {
    // The outbox worker publishes it later (same event id: the stream de-duplicates).
    log::Warn("event publish deferred to the outbox", {{"error", status.ToString()}});
  }
}

grpc::Status FileServiceImpl::Stat(grpc::ServerContext*, const file::v1::StatRequest* req,
                                   file::v1::StatResponse* resp) {
  absl::Status status = ValidateId("owner_id", req->owner_id());
  if (status.ok()) status = ValidateId("file_id", req->file_id());
  if (!status.ok()) return Reply(status);
  auto file = deps_.store->GetFile(req->owner_id(), req->file_id());
  if (!file.ok()) return Reply(file.status());
  ToProto(*file, resp->mutable_file());
  return grpc::Status::OK;
}

grpc::Status FileServiceImpl::List(grpc::ServerContext*, const file::v1::ListRequest* req,
                                   file::v1::ListResponse* resp) {
  if (auto s = ValidateId("owner_id", req->owner_id()); !s.ok()) return Reply(s);
  uint32_t limit = req->page().limit() == 0 ? 100 : std::min<uint32_t>(req->page().limit(), 1000);
  auto page = deps_.store->ListFiles(req->owner_id(), req->prefix(), static_cast<int>(limit),
                                     req->page().cursor());
  if (!page.ok()) return Reply(page.status());
  for (const FileRecord& f : page->files) ToProto(f, resp->add_files());
  if (page->next_cursor.has_value()) resp->set_next_cursor(*page->next_cursor);
  return grpc::Status::OK;
}

grpc::Status FileServiceImpl::Delete(grpc::ServerContext*, const file::v1::DeleteRequest* req,
                                     file::v1::DeleteResponse*) {
  absl::Status status = ValidateId("owner_id", req->owner_id());
  if (status.ok()) status = ValidateId("file_id", req->file_id());
  if (!status.ok()) return Reply(status);
  events::v1::Event event = bus::NewEvent("file.deleted", deps_.source);
  event.set_subject_user(req->owner_id());
  std::string bytes;
  auto maker = [&](const FileRecord& rec, bool) {
    auto* p = event.mutable_file_deleted();
    p->set_file_id(rec.id);
    p->set_owner_id(rec.owner_id);
    p->set_name(rec.name);
    p->set_size(rec.content.size);
    p->set_actor_id(req->actor_id().empty() ? req->owner_id() : req->actor_id());
    bytes = event.SerializeAsString();
    return bytes;
  };
  int64_t outbox_id = 0;
  auto deleted = deps_.store->DeleteFile(req->owner_id(), req->file_id(), maker, &outbox_id);
  if (!deleted.ok()) return Reply(deleted.status());
  PublishCommitted(bytes, outbox_id);
  return grpc::Status::OK;
}

grpc::Status FileServiceImpl::UpdateMetadata(grpc::ServerContext*,
                                             const file::v1::UpdateMetadataRequest* req,
                                             file::v1::UpdateMetadataResponse* resp) {
  absl::Status status = ValidateId("owner_id", req->owner_id());
  if (status.ok()) status = ValidateId("file_id", req->file_id());
  if (!status.ok()) return Reply(status);
  bool set_name = false, set_tags = false;
  if (req->update_mask().paths_size() == 0) {
    set_name = req->has_name();
    set_tags = !req->tags().empty();
  }
  for (const std::string& path : req->update_mask().paths()) {
    if (path == "name") {
      set_name = true;
    } else if (path == "tags") {
      set_tags = true;
    } else {
      return Reply(absl::InvalidArgumentError("unknown update_mask path: " + path));
    }
  }
  std::optional<std::string> name;
  std::optional<std::map<std::string, std::string>> tags;
  if (set_name) {
    name = req->name();
    if (auto s = ValidateName(*name); !s.ok()) return Reply(s);
  }
  if (set_tags) {
    tags.emplace(req->tags().begin(), req->tags().end());
    if (auto s = ValidateTags(*tags); !s.ok()) return Reply(s);
  }
  auto file = deps_.store->UpdateMetadata(req->owner_id(), req->file_id(), name, tags);
  if (!file.ok()) return Reply(file.status());
  ToProto(*file, resp->mutable_file());
  return grpc::Status::OK;
}

grpc::Status FileServiceImpl::GetHealth(grpc::ServerContext*, const file::v1::GetHealthRequest* req,
                                        file::v1::GetHealthResponse* resp) {
  absl::Status status = ValidateId("owner_id", req->owner_id());
  if (status.ok()) status = ValidateId("file_id", req->file_id());
  if (!status.ok()) return Reply(status);
  auto file = deps_.store->GetFile(req->owner_id(), req->file_id());
  if (!file.ok()) return Reply(file.status());
  resp->set_file_id(file->id);
  resp->set_state("healthy");
  if (file->content.inline_data.has_value()) {
    // Kept in the manifest, not on storage nodes: no node loss touches it.
    resp->set_min_node_losses_tolerated(static_cast<int32_t>(CurrentCodec().parity_shards()));
    return grpc::Status::OK;
  }
  auto segments = deps_.store->GetSegments(file->content.id);
  if (!segments.ok()) return Reply(segments.status());
  auto up = deps_.placement->UpNodes();
  if (!up.ok()) return Reply(absl::UnavailableError("node membership is unavailable"));
  const uint32_t k = file->content.data_shards;
  const uint32_t n = k + file->content.parity_shards;
  uint32_t healthy = 0, min_healthy = n;
  int min_tolerated = static_cast<int>(file->content.parity_shards);
  for (const SegmentRecord& seg : *segments) {
    const SegmentRedundancy r = MeasureSegment(seg.shards, *up, k);
    healthy += r.live_shards;
    min_healthy = std::min(min_healthy, r.live_shards);
    min_tolerated = std::min(min_tolerated, r.node_losses_tolerated);
  }
  resp->set_segments(segments->size());
  resp->set_healthy_shards(healthy);
  resp->set_total_shards(segments->size() * n);
  resp->set_min_healthy_per_segment(segments->empty() ? 0 : min_healthy);
  resp->set_min_node_losses_tolerated(min_tolerated);
  resp->set_state(RedundancyState(min_tolerated, file->content.parity_shards));
  return grpc::Status::OK;
}

grpc::Status FileServiceImpl::GetUsageSummary(grpc::ServerContext*,
                                              const file::v1::GetUsageSummaryRequest* req,
                                              file::v1::GetUsageSummaryResponse* resp) {
  auto totals = deps_.store->Usage(req->owner_id());
  if (!totals.ok()) return Reply(totals.status());
  resp->set_file_count(totals->file_count);
  resp->set_logical_bytes(totals->logical_bytes);
  resp->set_stored_bytes(totals->stored_bytes);
  resp->set_owner_count(totals->owner_count);
  resp->set_current_data_shards(static_cast<uint32_t>(CurrentCodec().data_shards()));
  resp->set_current_parity_shards(static_cast<uint32_t>(CurrentCodec().parity_shards()));
  if (deps_.reencode_store != nullptr && req->owner_id().empty()) {
    auto shapes = deps_.reencode_store->UsageByShape();
    if (!shapes.ok()) return Reply(shapes.status());
    for (const ShapeTotals& s : *shapes) {
      file::v1::ShapeUsage* out = resp->add_by_shape();
      out->set_data_shards(static_cast<uint32_t>(s.data_shards));
      out->set_parity_shards(static_cast<uint32_t>(s.parity_shards));
      out->set_content_count(s.contents);
      out->set_sealed_bytes(s.sealed_bytes);
    }
    resp->set_reencode_bytes_per_second(static_cast<uint64_t>(deps_.reencode_bytes_per_second));
  }
  return grpc::Status::OK;
}

grpc::Status FileServiceImpl::ListStoredFiles(grpc::ServerContext*,
                                              const file::v1::ListStoredFilesRequest* req,
                                              file::v1::ListStoredFilesResponse* resp) {
  constexpr uint32_t kMaxPage = 1000;
  if (req->limit() > kMaxPage) {
    return Reply(absl::InvalidArgumentError("limit must be at most 1000"));
  }
  if (!req->after_file_id().empty()) {
    if (absl::Status valid = ValidateId("after_file_id", req->after_file_id()); !valid.ok()) {
      return Reply(valid);
    }
  }
  auto rows = deps_.store->ListStoredFiles(req->after_file_id(),
                                           static_cast<int>(req->limit() ? req->limit() : kMaxPage));
  if (!rows.ok()) return Reply(rows.status());
  for (const StoredFileRow& row : *rows) {
    file::v1::StoredFileEntry* e = resp->add_files();
    e->set_file_id(row.file_id);
    e->set_owner_id(row.owner_id);
    e->set_size(row.size);
    const int64_t micros = absl::ToUnixMicros(row.created_at);
    e->mutable_created_at()->set_seconds(micros / 1000000);
    e->mutable_created_at()->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
  }
  return grpc::Status::OK;
}

}  // namespace datamesh::file_ingest
