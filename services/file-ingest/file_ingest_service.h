// The gRPC adapter of the file-ingest service: FileService on top of the pipeline
// (upload_pipeline.h, download_pipeline.h) and the manifest (manifest_store.h).
//
// Upload validates the header, streams the body through an UploadPipeline, wraps the data key
// to the owner's public key, commits the manifest (with its file.stored event in the outbox)
// and then publishes the event and commits the quota reservation. An upload that fails or is
// cancelled commits nothing; the shards it wrote are queued for deletion and the reservation
// released. Every shard an upload writes is recorded as an intent first (shard_intents.h), so
// garbage collection leaves it alone until the commit. Uploads and downloads publish
// upload.progress / download.progress on core NATS (a few per second, and a final one).
// RunMaintenance and GetMaintenanceJob hand over to the MaintenanceRunner.
//
// Thread-safe: gRPC calls handlers concurrently; all members are thread-safe or immutable.
#pragma once

#include <memory>
#include <string>

#include "datamesh/events/v1/event.pb.h"
#include "datamesh/file/v1/file.grpc.pb.h"
#include "datamesh/quota/v1/quota.grpc.pb.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/file-ingest/buckets_store.h"
#include "services/file-ingest/maintenance.h"
#include "services/file-ingest/late_shards.h"
#include "services/file-ingest/live_params.h"
#include "services/file-ingest/manifest_store.h"
#include "services/file-ingest/multipart_store.h"
#include "services/file-ingest/progress.h"
#include "services/file-ingest/reencode_store.h"
#include "services/file-ingest/shard_intents.h"
#include "services/file-ingest/upload_durability.h"
#include "services/file-ingest/upload_pipeline.h"

namespace datamesh::bus {
class Bus;
}

namespace datamesh::file_ingest {

// What the service works with; everything must outlive it. bus and quota may be null (no
// events are published then / quota is not told).
struct ServiceDeps {
  ManifestStore* store = nullptr;
  Placement* placement = nullptr;
  ShardStore* shards = nullptr;
  const erasure::ErasureCodec* codec = nullptr;
  // When set, new uploads take their codec from it (governance changes it live) instead of
  // `codec`.
  const LiveCodec* live_codec = nullptr;
  // Usage by erasure shape for GetUsageSummary (null: not reported), and the re-encode
  // job's throttle it reports beside.
  ReencodeStore* reencode_store = nullptr;
  int64_t reencode_bytes_per_second = 0;
  PipelineOptions pipeline;
  bus::Bus* bus = nullptr;
  quota::v1::QuotaService::StubInterface* quota = nullptr;
  absl::Duration rpc_timeout = absl::Seconds(10);
  std::string source = "file-ingest/test";
  prometheus::Registry* metrics = nullptr;
  // Null: shard writes are not recorded as intents / maintenance RPCs answer UNIMPLEMENTED.
  ShardIntents* intents = nullptr;
  MaintenanceRunner* maintenance = nullptr;
  // Null: every segment waits for all of its shard writes.
  LateShards* late = nullptr;
  // S3 multipart (multipart_rpc.cc): the least a part other than the last may hold.
  uint64_t multipart_min_part_bytes = 5 << 20;
};

// file.deleted for each file an S3 put (or Complete) replaces, as Delete writes it (the owner
// deletes).
EventMaker ReplacedFileEvent(const std::string& source);
// The file.stored payload of `rec`: `stored_bytes` written to nodes (0 when deduplicated), the
// reservation it consumed, the client's upload id; `multipart_part` for a stored part of an S3
// multipart upload.
void FillFileStored(const FileRecord& rec, uint64_t stored_bytes, const std::string& reservation_id,
                    const std::string& upload_id, bool multipart_part,
                    events::v1::FileStored* payload);
// The file.deleted of `rec`, deleted by its owner; `multipart_part` for a part of an S3
// multipart upload leaving quota (not a file deletion the audit log records).
std::string FileDeletedEvent(const std::string& source, const FileRecord& rec,
                             bool multipart_part);

// The content's data key, unwrapped with the owner's X25519 private key (32 raw bytes; used
// for the call only). INVALID_ARGUMENT: a malformed key; PERMISSION_DENIED: not the owner's.
[[nodiscard]] absl::StatusOr<crypto::SecretBytes> UnwrapKey(const ContentRecord& content,
                                                            const std::string& private_key);

class FileServiceImpl final : public file::v1::FileService::Service {
 public:
  explicit FileServiceImpl(ServiceDeps deps);

  grpc::Status Upload(grpc::ServerContext* ctx, grpc::ServerReader<file::v1::UploadRequest>* reader,
                      file::v1::UploadResponse* resp) override;
  grpc::Status Download(grpc::ServerContext* ctx, const file::v1::DownloadRequest* req,
                        grpc::ServerWriter<file::v1::DownloadResponse>* writer) override;
  grpc::Status Stat(grpc::ServerContext* ctx, const file::v1::StatRequest* req,
                    file::v1::StatResponse* resp) override;
  grpc::Status List(grpc::ServerContext* ctx, const file::v1::ListRequest* req,
                    file::v1::ListResponse* resp) override;
  grpc::Status Delete(grpc::ServerContext* ctx, const file::v1::DeleteRequest* req,
                      file::v1::DeleteResponse* resp) override;
  grpc::Status UpdateMetadata(grpc::ServerContext* ctx, const file::v1::UpdateMetadataRequest* req,
                              file::v1::UpdateMetadataResponse* resp) override;
  grpc::Status GetHealth(grpc::ServerContext* ctx, const file::v1::GetHealthRequest* req,
                         file::v1::GetHealthResponse* resp) override;
  grpc::Status GetUsageSummary(grpc::ServerContext* ctx,
                               const file::v1::GetUsageSummaryRequest* req,
                               file::v1::GetUsageSummaryResponse* resp) override;
  grpc::Status ListStoredFiles(grpc::ServerContext* ctx, const file::v1::ListStoredFilesRequest* req,
                               file::v1::ListStoredFilesResponse* resp) override;
  grpc::Status RunMaintenance(grpc::ServerContext* ctx, const file::v1::RunMaintenanceRequest* req,
                              file::v1::RunMaintenanceResponse* resp) override;
  grpc::Status GetMaintenanceJob(grpc::ServerContext* ctx,
                                 const file::v1::GetMaintenanceJobRequest* req,
                                 file::v1::GetMaintenanceJobResponse* resp) override;

  // The codec a new upload starts with (uploads keep it to their end).
  const erasure::ErasureCodec& CurrentCodec() const {
    return deps_.live_codec != nullptr ? *deps_.live_codec->Get() : *deps_.codec;
  }

  // S3 (buckets_rpc.cc): buckets, and objects as the newest file of a name.
  grpc::Status CreateBucket(grpc::ServerContext* ctx, const file::v1::CreateBucketRequest* req,
                            file::v1::CreateBucketResponse* resp) override;
  grpc::Status GetBucket(grpc::ServerContext* ctx, const file::v1::GetBucketRequest* req,
                         file::v1::GetBucketResponse* resp) override;
  grpc::Status DeleteBucket(grpc::ServerContext* ctx, const file::v1::DeleteBucketRequest* req,
                            file::v1::DeleteBucketResponse* resp) override;
  grpc::Status ListBuckets(grpc::ServerContext* ctx, const file::v1::ListBucketsRequest* req,
                           file::v1::ListBucketsResponse* resp) override;
  grpc::Status StatByName(grpc::ServerContext* ctx, const file::v1::StatByNameRequest* req,
                          file::v1::StatResponse* resp) override;
  grpc::Status ListObjects(grpc::ServerContext* ctx, const file::v1::ListObjectsRequest* req,
                           file::v1::ListObjectsResponse* resp) override;

  // S3 multipart uploads (multipart_rpc.cc, multipart_store.h).
  grpc::Status CreateMultipartUpload(grpc::ServerContext* ctx,
                                     const file::v1::CreateMultipartUploadRequest* req,
                                     file::v1::CreateMultipartUploadResponse* resp) override;
  grpc::Status UploadPart(grpc::ServerContext* ctx,
                          grpc::ServerReader<file::v1::UploadPartRequest>* reader,
                          file::v1::UploadPartResponse* resp) override;
  grpc::Status ListParts(grpc::ServerContext* ctx, const file::v1::ListPartsRequest* req,
                         file::v1::ListPartsResponse* resp) override;
  grpc::Status ListMultipartUploads(grpc::ServerContext* ctx,
                                    const file::v1::ListMultipartUploadsRequest* req,
                                    file::v1::ListMultipartUploadsResponse* resp) override;
  grpc::Status CompleteMultipartUpload(grpc::ServerContext* ctx,
                                       const file::v1::CompleteMultipartUploadRequest* req,
                                       file::v1::CompleteMultipartUploadResponse* resp) override;
  grpc::Status AbortMultipartUpload(grpc::ServerContext* ctx,
                                    const file::v1::AbortMultipartUploadRequest* req,
                                    file::v1::AbortMultipartUploadResponse* resp) override;
  // Aborts uploads idle since before `idle_before` (the GC's expiry); how many.
  [[nodiscard]] absl::StatusOr<int> ExpireMultipartUploads(absl::Time idle_before);

  // Publishes one outbox event and removes it (best effort: the outbox worker retries).
  void PublishCommitted(const std::string& event_bytes, int64_t outbox_id);

 private:
  struct UploadPlan;
  absl::Status DoUpload(grpc::ServerContext* ctx,
                        grpc::ServerReader<file::v1::UploadRequest>* reader,
                        file::v1::UploadResponse* resp);
  absl::StatusOr<UploadPlan> PrepareUpload(const file::v1::UploadHeader& header);
  absl::Status ReceiveBody(grpc::ServerContext* ctx,
                           grpc::ServerReader<file::v1::UploadRequest>* reader,
                           file::v1::UploadRequest& first, const UploadPlan& plan,
                           UploadPipeline& pipeline);
  absl::StatusOr<CommitResult> CommitUpload(const UploadPlan& plan, UploadOutcome outcome,
                                            std::string* event_bytes);
  void ClearIntents(const std::string& writer_id);
  // Commits an upload's (or a part's) reservation to `size` bytes for `file_id` before the
  // manifest: RESOURCE_EXHAUSTED marked kQuotaRefusedPayload when quota refuses (the upload
  // then fails and stores nothing). quota being unreachable is not a refusal (file.stored
  // settles it). Nothing to do without a reservation.
  [[nodiscard]] absl::Status CommitQuota(const std::string& reservation, uint64_t size,
                                         const std::string& file_id);
  // Frees the reservation of a failed upload (best effort; reservations expire).
  void ReleaseQuota(const std::string& reservation);
  absl::Status DoDownload(grpc::ServerContext* ctx, const file::v1::DownloadRequest& req,
                          grpc::ServerWriter<file::v1::DownloadResponse>* writer);
  void ToProto(const FileRecord& rec, file::v1::File* out) const;
  // Core NATS, best effort: a lost progress event is superseded by the next. `committed`
  // marks the final event, sent once the manifest committed.
  void PublishUploadProgress(const UploadPlan& plan, uint64_t received, uint64_t stored,
                             const UploadDurability& durability, bool committed);
  // The durability of what `pipeline` collected so far, against the declared size if any.
  UploadDurability DurabilitySoFar(const UploadPlan& plan, const UploadPipeline& pipeline) const;
  void PublishDownloadProgress(const std::string& download_id, const FileRecord& file,
                               uint64_t sent, uint64_t total);

  // After DeleteBucket: its uploads in progress are aborted with it (best effort; what a
  // failure leaves, the expiry GC aborts).
  void AbortBucketUploads(const std::string& owner_id, const std::string& bucket);
  absl::Status DoUploadPart(grpc::ServerContext* ctx,
                            grpc::ServerReader<file::v1::UploadPartRequest>* reader,
                            file::v1::UploadPartResponse* resp);

  const ServiceDeps deps_;
  // The S3 view of deps_.store's database.
  const std::unique_ptr<BucketStore> buckets_;
  const std::unique_ptr<MultipartStore> multipart_;
  prometheus::Counter* uploaded_bytes_ = nullptr;
  prometheus::Counter* downloaded_bytes_ = nullptr;
};

}  // namespace datamesh::file_ingest
