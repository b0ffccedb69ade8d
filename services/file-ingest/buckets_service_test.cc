// The S3 side of FileService over in-process gRPC with real PostgreSQL and NATS, fakes only at
// the storage seams: bucket RPCs and their error codes, MD5 ETags and object metadata on
// upload, replace-on-commit (the replaced file deleted as Delete would, file.deleted
// published), StatByName and ListObjects.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <mutex>

#include "absl/strings/escaping.h"
#include "file_ingest_migrations.h"
#include "services/file-ingest/fake_backends.h"
#include "services/file-ingest/file_ingest_service.h"
#include "shared/bus/bus.h"
#include "shared/crypto/random.h"
#include "shared/crypto/x25519.h"
#include "shared/pg/migrations.h"
#include "shared/testing/wait_for.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::file_ingest {
namespace {

using file::v1::UploadRequest;
using file::v1::UploadResponse;

constexpr uint64_t kSeg = 8192;

std::string Md5Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), digest, &size, EVP_md5(), nullptr), 1);
  return absl::BytesToHexString(std::string(reinterpret_cast<const char*>(digest), size));
}

std::string Trailer(const grpc::ClientContext& ctx, const std::string& key) {
  auto it = ctx.GetServerTrailingMetadata().find(key);
  if (it == ctx.GetServerTrailingMetadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// How an upload is sent: REST (defaults) or as the S3 edge sends a PUT.
struct PutOptions {
  bool s3 = false;
  std::map<std::string, std::string> metadata;
};

class BucketsServiceTest : public datamesh::testing::WithTestStack {
 protected:
  void SetUp() override {
    WithTestStack::SetUp();
    auto pool = pg::Pool::Create({.url = stack_->pg_url()});
    ASSERT_OK(pool);
    pool_ = std::move(*pool);
    ASSERT_OK(pg::ApplyMigrations(*pool_, "files", file_ingest_migrations()));
    auto bus = bus::Bus::Connect({.url = stack_->nats_url()});
    ASSERT_OK(bus);
    bus_ = std::move(*bus);
    ASSERT_OK(bus_->EnsureStream(bus::DurableEventsStream()));
    auto sub = bus_->SubscribeEvents("dm.v1.file.>", "", [this](const events::v1::Event& e) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(e);
    });
    ASSERT_OK(sub);
    sub_ = std::move(*sub);
    store_ = std::make_unique<ManifestStore>(*pool_);
    auto codec = erasure::MakeCodec(erasure::Backend::kJerasure, 4, 2);
    ASSERT_OK(codec);
    codec_ = std::move(*codec);
    ServiceDeps deps;
    deps.store = store_.get();
    deps.placement = &placement_;
    deps.shards = &shards_;
    deps.codec = codec_.get();
    deps.bus = bus_.get();
    deps.pipeline.segment_bytes = kSeg;
    deps.pipeline.inline_max_bytes = 64;
    service_ = std::make_unique<FileServiceImpl>(deps);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = file::v1::FileService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                               grpc::InsecureChannelCredentials()));
    auto key = crypto::X25519PrivateKey::Generate();
    ASSERT_OK(key);
    key_.emplace(std::move(*key));
  }
  void TearDown() override {
    sub_.reset();
    if (server_) server_->Shutdown();
  }

  grpc::Status Put(const std::string& owner, const std::string& name, const std::string& data,
                   UploadResponse* resp, const PutOptions& options = {}) {
    grpc::ClientContext ctx;
    auto writer = stub_->Upload(&ctx, resp);
    UploadRequest req;
    auto* h = req.mutable_header();
    h->set_owner_id(owner);
    h->set_name(name);
    h->set_owner_public_key(key_->public_key());
    h->set_owner_key_version(1);
    h->set_replace_same_name(options.s3);
    h->set_compute_md5(options.s3);
    h->mutable_object_metadata()->insert(options.metadata.begin(), options.metadata.end());
    writer->Write(req);
    for (size_t at = 0; at < data.size(); at += 3000) {
      UploadRequest chunk;
      chunk.set_chunk(data.substr(at, 3000));
      writer->Write(chunk);
    }
    writer->WritesDone();
    return writer->Finish();
  }

  grpc::Status CreateBucket(const std::string& owner, const std::string& name,
                            std::string* code = nullptr) {
    grpc::ClientContext ctx;
    file::v1::CreateBucketRequest req;
    req.set_owner_id(owner);
    req.set_name(name);
    file::v1::CreateBucketResponse resp;
    grpc::Status status = stub_->CreateBucket(&ctx, req, &resp);
    if (code != nullptr) *code = Trailer(ctx, "dm-error-code");
    if (status.ok()) {
      EXPECT_EQ(resp.bucket().name(), name);
    }
    return status;
  }

  grpc::Status DeleteBucket(const std::string& owner, const std::string& name,
                            std::string* code = nullptr) {
    grpc::ClientContext ctx;
    file::v1::DeleteBucketRequest req;
    req.set_owner_id(owner);
    req.set_name(name);
    file::v1::DeleteBucketResponse resp;
    grpc::Status status = stub_->DeleteBucket(&ctx, req, &resp);
    if (code != nullptr) *code = Trailer(ctx, "dm-error-code");
    return status;
  }

  // The file.* events received so far of this type.
  std::vector<events::v1::Event> EventsOf(const std::string& type) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<events::v1::Event> out;
    for (const auto& e : events_) {
      if (e.type() == type) out.push_back(e);
    }
    return out;
  }

  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<bus::Bus> bus_;
  std::unique_ptr<bus::Subscription> sub_;
  std::mutex mu_;
  std::vector<events::v1::Event> events_;
  std::unique_ptr<ManifestStore> store_;
  std::unique_ptr<erasure::ErasureCodec> codec_;
  FakePlacement placement_{6};
  FakeShardStore shards_;
  std::unique_ptr<FileServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<file::v1::FileService::Stub> stub_;
  std::optional<crypto::X25519PrivateKey> key_;
};

TEST_F(BucketsServiceTest, BucketRpcsAnswerWithTheirErrorCodes) {
  std::string code;
  ASSERT_TRUE(CreateBucket("alice", "media").ok());
  EXPECT_EQ(CreateBucket("alice", "media", &code).error_code(), grpc::ALREADY_EXISTS);
  EXPECT_EQ(code, "BUCKET_ALREADY_OWNED_BY_YOU");
  EXPECT_EQ(CreateBucket("bob", "media", &code).error_code(), grpc::ALREADY_EXISTS);
  EXPECT_EQ(code, "BUCKET_ALREADY_EXISTS");
  EXPECT_EQ(CreateBucket("alice", "Bad_Name").error_code(), grpc::INVALID_ARGUMENT);

  grpc::ClientContext get_ctx;
  file::v1::GetBucketRequest get;
  get.set_name("media");
  file::v1::GetBucketResponse got;
  ASSERT_TRUE(stub_->GetBucket(&get_ctx, get, &got).ok());
  EXPECT_EQ(got.bucket().owner_id(), "alice");

  UploadResponse put;
  ASSERT_TRUE(Put("alice", "media/clip.mp4", "bytes", &put, {.s3 = true}).ok());
  EXPECT_EQ(DeleteBucket("bob", "media").error_code(), grpc::PERMISSION_DENIED);
  EXPECT_EQ(DeleteBucket("alice", "media", &code).error_code(), grpc::FAILED_PRECONDITION);
  EXPECT_EQ(code, "BUCKET_NOT_EMPTY");
  grpc::ClientContext del_ctx;
  file::v1::DeleteRequest del;
  del.set_owner_id("alice");
  del.set_file_id(put.file().id());
  file::v1::DeleteResponse deleted;
  ASSERT_TRUE(stub_->Delete(&del_ctx, del, &deleted).ok());
  ASSERT_TRUE(DeleteBucket("alice", "media").ok());
  EXPECT_EQ(DeleteBucket("alice", "media").error_code(), grpc::NOT_FOUND);

  ASSERT_TRUE(datamesh::testing::WaitFor(
      [&] { return EventsOf("file.bucket.deleted").size() == 1; }, absl::Seconds(10)));
  auto created = EventsOf("file.bucket.created");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].bucket_created().name(), "media");
  EXPECT_EQ(created[0].bucket_created().owner_id(), "alice");
  EXPECT_EQ(created[0].subject_user(), "alice");
  EXPECT_EQ(EventsOf("file.bucket.deleted")[0].bucket_deleted().actor_id(), "alice");
}

TEST_F(BucketsServiceTest, S3PutsCarryTheMd5OfTheirBytesAndRestPutsNone) {
  ASSERT_TRUE(CreateBucket("carol", "etags").ok());
  // Inline (small), one segment, and several segments sent in 3000-byte messages.
  for (size_t size : {size_t{0}, size_t{10}, size_t{5000}, size_t{3 * kSeg + 123}}) {
    const std::string data = crypto::RandomBytes(size).value();
    UploadResponse s3;
    ASSERT_TRUE(Put("carol", "etags/f" + std::to_string(size), data, &s3, {.s3 = true}).ok());
    EXPECT_EQ(s3.file().md5(), Md5Hex(data)) << size;
    UploadResponse rest;
    ASSERT_TRUE(Put("carol", "rest" + std::to_string(size), data, &rest).ok());
    EXPECT_EQ(rest.file().md5(), "") << size;
  }
  // And as stored: StatByName reads it back.
  grpc::ClientContext ctx;
  file::v1::StatByNameRequest req;
  req.set_owner_id("carol");
  req.set_name("etags/f10");
  file::v1::StatResponse stat;
  ASSERT_TRUE(stub_->StatByName(&ctx, req, &stat).ok());
  EXPECT_EQ(stat.file().md5().size(), 32u);
}

TEST_F(BucketsServiceTest, ObjectMetadataIsKeptOrRefusedWithNothingStored) {
  ASSERT_TRUE(CreateBucket("dora", "meta").ok());
  UploadResponse put;
  ASSERT_TRUE(
      Put("dora", "meta/a", "x", &put,
          {.s3 = true, .metadata = {{"x-amz-meta-owner", "dora"}, {"cache-control", "max-age=60"}}})
          .ok());
  EXPECT_EQ(put.file().object_metadata().at("x-amz-meta-owner"), "dora");
  EXPECT_EQ(put.file().object_metadata().at("cache-control"), "max-age=60");
  UploadResponse refused;
  EXPECT_EQ(Put("dora", "meta/b", "x", &refused,
                {.s3 = true, .metadata = {{"x-amz-meta-big", std::string(3000, 'v')}}})
                .error_code(),
            grpc::INVALID_ARGUMENT);
  EXPECT_EQ(Put("dora", "meta/c", "x", &refused, {.s3 = true, .metadata = {{"server", "x"}}})
                .error_code(),
            grpc::INVALID_ARGUMENT);
  EXPECT_EQ(Put("dora", "nobucket/c", "x", &refused, {.s3 = true}).error_code(), grpc::NOT_FOUND);
  auto usage = store_->Usage("dora");
  ASSERT_OK(usage);
  EXPECT_EQ(usage->file_count, 1u);
}

TEST_F(BucketsServiceTest, AnS3PutReplacesTheNameAndPublishesFileDeleted) {
  ASSERT_TRUE(CreateBucket("erin", "erindocs").ok());
  UploadResponse first, second, s3;
  ASSERT_TRUE(Put("erin", "erindocs/report", std::string(1000, 'a'), &first).ok());
  ASSERT_TRUE(Put("erin", "erindocs/report", std::string(2000, 'b'), &second).ok());
  ASSERT_TRUE(Put("erin", "erindocs/report", std::string(300, 'c'), &s3, {.s3 = true}).ok());
  for (const auto* gone : {&first, &second}) {
    grpc::ClientContext ctx;
    file::v1::StatRequest req;
    req.set_owner_id("erin");
    req.set_file_id(gone->file().id());
    file::v1::StatResponse resp;
    EXPECT_EQ(stub_->Stat(&ctx, req, &resp).error_code(), grpc::NOT_FOUND);
  }
  ASSERT_TRUE(datamesh::testing::WaitFor([&] { return EventsOf("file.deleted").size() == 2; },
                                         absl::Seconds(10)));
  uint64_t released = 0;
  for (const auto& e : EventsOf("file.deleted")) {
    EXPECT_EQ(e.file_deleted().owner_id(), "erin");
    EXPECT_EQ(e.file_deleted().name(), "erindocs/report");
    released += e.file_deleted().size();  // what quota gives back
  }
  EXPECT_EQ(released, 3000u);
  // The owner's usage is the surviving object alone.
  auto usage = store_->Usage("erin");
  ASSERT_OK(usage);
  EXPECT_EQ(usage->file_count, 1u);
  EXPECT_EQ(usage->logical_bytes, 300u);

  grpc::ClientContext ctx;
  file::v1::ListObjectsRequest list;
  list.set_owner_id("erin");
  list.set_bucket("erindocs");
  file::v1::ListObjectsResponse listed;
  ASSERT_TRUE(stub_->ListObjects(&ctx, list, &listed).ok());
  ASSERT_EQ(listed.objects_size(), 1);
  EXPECT_EQ(listed.objects(0).id(), s3.file().id());
  EXPECT_EQ(listed.objects(0).name(), "erindocs/report");
  EXPECT_FALSE(listed.is_truncated());
}

TEST_F(BucketsServiceTest, ListObjectsRefusesBadArgumentsAndOtherOwners) {
  ASSERT_TRUE(CreateBucket("finn", "finns").ok());
  auto list = [&](const std::string& owner, const std::string& bucket, const std::string& prefix) {
    grpc::ClientContext ctx;
    file::v1::ListObjectsRequest req;
    req.set_owner_id(owner);
    req.set_bucket(bucket);
    req.set_prefix(prefix);
    file::v1::ListObjectsResponse resp;
    return stub_->ListObjects(&ctx, req, &resp).error_code();
  };
  EXPECT_EQ(list("finn", "finns", ""), grpc::OK);
  EXPECT_EQ(list("gus", "finns", ""), grpc::NOT_FOUND);
  EXPECT_EQ(list("finn", "finns", std::string("a\0b", 3)), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(list("finn", "finns", std::string(1025, 'a')), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(list("finn", "NO", ""), grpc::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace datamesh::file_ingest
