// FileServiceImpl: the S3 RPCs -- buckets (CreateBucket, GetBucket, DeleteBucket, ListBuckets)
// and object reads (StatByName, ListObjects) over BucketStore.
#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/file-ingest/bucket_name.h"
#include "services/file-ingest/file_ingest_service.h"
#include "services/file-ingest/rpc_util.h"
#include "services/file-ingest/validation.h"
#include "shared/bus/event.h"
#include "shared/status/status.h"
#include "shared/text/utf8.h"

namespace datamesh::file_ingest {
namespace {

// S3's largest max-buckets.
constexpr uint32_t kMaxBucketsPerPage = 10000;

void BucketToProto(const BucketRecord& b, file::v1::Bucket* out) {
  out->set_name(b.name);
  out->set_owner_id(b.owner_id);
  SetTime(b.created_at, out->mutable_created_at());
}

absl::Status ValidateOwnerAndBucket(const std::string& owner_id, const std::string& bucket) {
  RETURN_IF_ERROR(ValidateId("owner_id", owner_id));
  return ValidateBucketName(bucket);
}

}  // namespace

grpc::Status FileServiceImpl::CreateBucket(grpc::ServerContext* ctx,
                                           const file::v1::CreateBucketRequest* req,
                                           file::v1::CreateBucketResponse* resp) {
  if (auto s = ValidateOwnerAndBucket(req->owner_id(), req->name()); !s.ok()) return Reply(s);
  events::v1::Event event = bus::NewEvent("file.bucket.created", deps_.source);
  event.set_subject_user(req->owner_id());
  std::string bytes;
  auto maker = [&](const BucketRecord& b) {
    event.mutable_bucket_created()->set_name(b.name);
    event.mutable_bucket_created()->set_owner_id(b.owner_id);
    bytes = event.SerializeAsString();
    return bytes;
  };
  int64_t outbox_id = 0;
  auto created = buckets_->Create(req->owner_id(), req->name(), maker, &outbox_id);
  if (!created.ok()) return ReplyWithCode(ctx, created.status());
  PublishCommitted(bytes, outbox_id);
  BucketToProto(*created, resp->mutable_bucket());
  return grpc::Status::OK;
}

grpc::Status FileServiceImpl::GetBucket(grpc::ServerContext*, const file::v1::GetBucketRequest* req,
                                        file::v1::GetBucketResponse* resp) {
  if (auto s = ValidateBucketName(req->name()); !s.ok()) return Reply(s);
  auto bucket = buckets_->Get(req->name());
  if (!bucket.ok()) return Reply(bucket.status());
  BucketToProto(*bucket, resp->mutable_bucket());
  return grpc::Status::OK;
}

grpc::Status FileServiceImpl::DeleteBucket(grpc::ServerContext* ctx,
                                           const file::v1::DeleteBucketRequest* req,
                                           file::v1::DeleteBucketResponse*) {
  if (auto s = ValidateOwnerAndBucket(req->owner_id(), req->name()); !s.ok()) return Reply(s);
  events::v1::Event event = bus::NewEvent("file.bucket.deleted", deps_.source);
  event.set_subject_user(req->owner_id());
  std::string bytes;
  auto maker = [&](const BucketRecord& b) {
    auto* p = event.mutable_bucket_deleted();
    p->set_name(b.name);
    p->set_owner_id(b.owner_id);
    p->set_actor_id(req->actor_id().empty() ? req->owner_id() : req->actor_id());
    bytes = event.SerializeAsString();
    return bytes;
  };
  int64_t outbox_id = 0;
  auto deleted = buckets_->Delete(req->owner_id(), req->name(), maker, &outbox_id);
  if (!deleted.ok()) return ReplyWithCode(ctx, deleted.status());
  PublishCommitted(bytes, outbox_id);
  AbortBucketUploads(req->owner_id(), req->name());
  return grpc::Status::OK;
}

grpc::Status FileServiceImpl::ListBuckets(grpc::ServerContext*,
                                          const file::v1::ListBucketsRequest* req,
                                          file::v1::ListBucketsResponse* resp) {
  absl::Status status = ValidateId("owner_id", req->owner_id());
  if (status.ok()) status = ValidateListArg("prefix", req->prefix());
  if (status.ok()) status = ValidateListArg("start_after", req->start_after());
  if (status.ok() && req->max_buckets() > kMaxBucketsPerPage) {
    status = absl::InvalidArgumentError("max_buckets must be at most 10000");
  }
  if (!status.ok()) return Reply(status);
  // One more than asked tells whether the page is truncated.
  const int max = static_cast<int>(req->max_buckets());
  auto buckets =
      buckets_->List(req->owner_id(), {req->prefix(), req->start_after(), max == 0 ? 0 : max + 1});
  if (!buckets.ok()) return Reply(buckets.status());
  if (max > 0 && buckets->size() > static_cast<size_t>(max)) {
    buckets->resize(max);
    resp->set_is_truncated(true);
    resp->set_next_start_after(buckets->back().name);
  }
  for (const BucketRecord& b : *buckets) BucketToProto(b, resp->add_buckets());
  return grpc::Status::OK;
}

grpc::Status FileServiceImpl::StatByName(grpc::ServerContext*,
                                         const file::v1::StatByNameRequest* req,
                                         file::v1::StatResponse* resp) {
  absl::Status status = ValidateId("owner_id", req->owner_id());
  if (status.ok()) status = ValidateName(req->name());
  if (!status.ok()) return Reply(status);
  auto file = buckets_->StatByName(req->owner_id(), req->name());
  if (!file.ok()) return Reply(file.status());
  ToProto(*file, resp->mutable_file());
  return grpc::Status::OK;
}

grpc::Status FileServiceImpl::ListObjects(grpc::ServerContext*,
                                          const file::v1::ListObjectsRequest* req,
                                          file::v1::ListObjectsResponse* resp) {
  absl::Status status = ValidateOwnerAndBucket(req->owner_id(), req->bucket());
  if (status.ok()) status = ValidateListArg("prefix", req->prefix());
  if (status.ok()) status = ValidateListArg("delimiter", req->delimiter());
  if (status.ok()) status = ValidateListArg("start_after", req->start_after());
  if (!status.ok()) return Reply(status);
  ObjectQuery query{
      req->bucket(), req->prefix(), req->delimiter(), req->start_after(),
      req->max_keys() == 0 ? 1000 : static_cast<int>(std::min(req->max_keys(), 1000u))};
  auto page = buckets_->ListObjects(req->owner_id(), query);
  if (!page.ok()) return Reply(page.status());
  for (const FileRecord& f : page->objects) ToProto(f, resp->add_objects());
  for (const std::string& p : page->common_prefixes) resp->add_common_prefixes(p);
  resp->set_is_truncated(page->is_truncated);
  resp->set_next_start_after(page->next_start_after);
  return grpc::Status::OK;
}

}  // namespace datamesh::file_ingest
