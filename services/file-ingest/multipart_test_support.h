// Test-only: the fixture of the multipart tests -- FileService over in-process gRPC with real
// PostgreSQL and NATS (the suite's TestStack), fakes at the storage seams (eight nodes, the
// first six of which take a segment's shards) and a fake quota that records commits and
// releases -- and helpers that call the six RPCs.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <mutex>
#include <optional>

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

namespace datamesh::file_ingest::multipart_testing {

inline constexpr uint64_t kSeg = 8192;
// Parts other than the last must hold this much in these tests (S3: 5 MiB).
inline constexpr uint64_t kMinPart = 10000;

inline std::string Md5(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), digest, &size, EVP_md5(), nullptr), 1);
  return std::string(reinterpret_cast<const char*>(digest), size);
}
inline std::string Md5Hex(const std::string& data) { return absl::BytesToHexString(Md5(data)); }

inline std::string Trailer(const grpc::ClientContext& ctx) {
  auto it = ctx.GetServerTrailingMetadata().find("dm-error-code");
  if (it == ctx.GetServerTrailingMetadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

inline std::string Data(size_t n) { return crypto::RandomBytes(n).value_or(""); }

// Quota as file-ingest sees it: records commits and releases; refuses commits when told to.
class FakeQuota final : public quota::v1::QuotaService::Service {
 public:
  grpc::Status Commit(grpc::ServerContext*, const quota::v1::CommitRequest* req,
                      quota::v1::CommitResponse*) override {
    std::lock_guard<std::mutex> lock(mu);
    if (refuse) return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "over quota");
    commits.push_back(*req);
    return grpc::Status::OK;
  }
  grpc::Status Release(grpc::ServerContext*, const quota::v1::ReleaseRequest* req,
                       quota::v1::ReleaseResponse*) override {
    std::lock_guard<std::mutex> lock(mu);
    releases.push_back(req->reservation_id());
    return grpc::Status::OK;
  }
  std::mutex mu;
  bool refuse = false;
  std::vector<quota::v1::CommitRequest> commits;
  std::vector<std::string> releases;
};

class MultipartServiceTest : public datamesh::testing::WithTestStack {
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
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&quota_);
    quota_server_ = builder.BuildAndStart();
    quota_stub_ = quota::v1::QuotaService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
    ServiceDeps deps;
    deps.store = store_.get();
    deps.placement = &placement_;
    deps.shards = &shards_;
    deps.codec = codec_.get();
    deps.bus = bus_.get();
    deps.quota = quota_stub_.get();
    deps.pipeline.segment_bytes = kSeg;
    deps.pipeline.inline_max_bytes = 64;
    deps.multipart_min_part_bytes = kMinPart;
    service_ = std::make_unique<FileServiceImpl>(deps);
    grpc::ServerBuilder files;
    files.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    files.RegisterService(service_.get());
    server_ = files.BuildAndStart();
    stub_ = file::v1::FileService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                               grpc::InsecureChannelCredentials()));
    auto key = crypto::X25519PrivateKey::Generate();
    ASSERT_OK(key);
    key_.emplace(std::move(*key));
  }
  void TearDown() override {
    sub_.reset();
    if (server_) server_->Shutdown();
    if (quota_server_) quota_server_->Shutdown();
  }

  std::string PrivateKey() { return std::string(key_->ToBytes().value().view()); }

  void MakeBucket(const std::string& owner, const std::string& name) {
    grpc::ClientContext ctx;
    file::v1::CreateBucketRequest req;
    req.set_owner_id(owner);
    req.set_name(name);
    file::v1::CreateBucketResponse resp;
    ASSERT_TRUE(stub_->CreateBucket(&ctx, req, &resp).ok());
  }

  std::string Create(const std::string& owner, const std::string& name,
                     grpc::StatusCode expected = grpc::StatusCode::OK) {
    grpc::ClientContext ctx;
    file::v1::CreateMultipartUploadRequest req;
    req.set_owner_id(owner);
    req.set_name(name);
    req.set_content_type("video/mp4");
    (*req.mutable_object_metadata())["x-amz-meta-camera"] = "front";
    req.set_owner_public_key(key_->public_key());
    req.set_owner_key_version(1);
    file::v1::CreateMultipartUploadResponse resp;
    EXPECT_EQ(stub_->CreateMultipartUpload(&ctx, req, &resp).error_code(), expected);
    return resp.upload_id();
  }

  struct PartCall {
    std::optional<uint64_t> declared;
    std::string reservation;
  };
  // Sends a part in 3000-byte messages; `code` gets the dm-error-code trailer.
  grpc::Status Part(const std::string& owner, const std::string& upload, uint32_t number,
                    const std::string& data, file::v1::UploadPartResponse* resp = nullptr,
                    std::string* code = nullptr, const PartCall& call = {}) {
    file::v1::UploadPartResponse ignored;
    if (resp == nullptr) resp = &ignored;
    grpc::ClientContext ctx;
    auto writer = stub_->UploadPart(&ctx, resp);
    file::v1::UploadPartRequest req;
    auto* h = req.mutable_header();
    h->set_owner_id(owner);
    h->set_upload_id(upload);
    h->set_part_number(number);
    h->set_private_key(PrivateKey());
    h->set_reservation_id(call.reservation);
    if (call.declared) h->set_declared_size(*call.declared);
    writer->Write(req);
    for (size_t at = 0; at < data.size(); at += 3000) {
      file::v1::UploadPartRequest chunk;
      chunk.set_chunk(data.substr(at, 3000));
      writer->Write(chunk);
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (code != nullptr) *code = Trailer(ctx);
    return status;
  }

  grpc::Status Complete(const std::string& owner, const std::string& upload,
                        const std::vector<std::pair<uint32_t, std::string>>& parts,
                        file::v1::CompleteMultipartUploadResponse* resp,
                        std::string* code = nullptr) {
    grpc::ClientContext ctx;
    file::v1::CompleteMultipartUploadRequest req;
    req.set_owner_id(owner);
    req.set_upload_id(upload);
    for (const auto& [number, md5] : parts) {
      auto* p = req.add_parts();
      p->set_part_number(number);
      p->set_md5(md5);
    }
    grpc::Status status = stub_->CompleteMultipartUpload(&ctx, req, resp);
    if (code != nullptr) *code = Trailer(ctx);
    return status;
  }

  grpc::Status ListParts(const std::string& owner, const std::string& upload,
                         file::v1::ListPartsResponse* resp, std::string* code = nullptr,
                         uint32_t marker = 0, uint32_t max = 0) {
    grpc::ClientContext ctx;
    file::v1::ListPartsRequest req;
    req.set_owner_id(owner);
    req.set_upload_id(upload);
    req.set_part_number_marker(marker);
    req.set_max_parts(max);
    grpc::Status status = stub_->ListParts(&ctx, req, resp);
    if (code != nullptr) *code = Trailer(ctx);
    return status;
  }

  grpc::Status Abort(const std::string& owner, const std::string& upload,
                     std::string* code = nullptr) {
    grpc::ClientContext ctx;
    file::v1::AbortMultipartUploadRequest req;
    req.set_owner_id(owner);
    req.set_upload_id(upload);
    file::v1::AbortMultipartUploadResponse resp;
    grpc::Status status = stub_->AbortMultipartUpload(&ctx, req, &resp);
    if (code != nullptr) *code = Trailer(ctx);
    return status;
  }

  grpc::Status Download(const std::string& owner, const std::string& id, std::string* out,
                        uint64_t offset = 0, std::optional<uint64_t> length = std::nullopt) {
    grpc::ClientContext ctx;
    file::v1::DownloadRequest req;
    req.set_owner_id(owner);
    req.set_file_id(id);
    req.set_offset(offset);
    if (length) req.set_length(*length);
    req.set_private_key(PrivateKey());
    auto reader = stub_->Download(&ctx, req);
    file::v1::DownloadResponse msg;
    out->clear();
    while (reader->Read(&msg)) out->append(msg.chunk());
    return reader->Finish();
  }

  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    EXPECT_OK(pool_->Transact([&](pqxx::work& w) {
      n = w.exec1(sql)[0].as<int64_t>();
      return absl::OkStatus();
    }));
    return n;
  }
  int64_t SegmentsOf(const std::string& content_id) {
    return Count("SELECT count(*) FROM files.segments WHERE content_id = '" + content_id + "'");
  }
  // ListStoredFiles (what quota's reconciler compares its counts with): id -> size.
  std::map<std::string, uint64_t> StoredAsQuotaSees() {
    std::map<std::string, uint64_t> out;
    std::string after;
    while (true) {
      grpc::ClientContext ctx;
      file::v1::ListStoredFilesRequest req;
      req.set_after_file_id(after);
      file::v1::ListStoredFilesResponse resp;
      EXPECT_TRUE(stub_->ListStoredFiles(&ctx, req, &resp).ok());
      if (resp.files().empty()) return out;
      for (const auto& f : resp.files()) out[f.file_id()] = f.size();
      after = resp.files().rbegin()->file_id();
    }
  }
  int64_t QueuedDeletions() { return Count("SELECT count(*) FROM files.shard_deletions"); }

  std::vector<events::v1::Event> EventsOf(const std::string& type) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<events::v1::Event> out;
    for (const auto& e : events_) {
      if (e.type() == type) out.push_back(e);
    }
    return out;
  }
  // Waits for a file.deleted of `file_id`; its size, or -1.
  int64_t DeletedSize(const std::string& file_id) {
    int64_t size = -1;
    (void)datamesh::testing::WaitFor(
        [&] {
          for (const auto& e : EventsOf("file.deleted")) {
            if (e.file_deleted().file_id() == file_id)
              size = static_cast<int64_t>(e.file_deleted().size());
          }
          return size >= 0;
        },
        absl::Seconds(10));
    return size;
  }

  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<bus::Bus> bus_;
  std::unique_ptr<bus::Subscription> sub_;
  std::mutex mu_;
  std::vector<events::v1::Event> events_;
  std::unique_ptr<ManifestStore> store_;
  std::unique_ptr<erasure::ErasureCodec> codec_;
  FakePlacement placement_{8};
  FakeShardStore shards_;
  FakeQuota quota_;
  std::unique_ptr<grpc::Server> quota_server_;
  std::unique_ptr<quota::v1::QuotaService::Stub> quota_stub_;
  std::unique_ptr<FileServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<file::v1::FileService::Stub> stub_;
  std::optional<crypto::X25519PrivateKey> key_;
};

}  // namespace datamesh::file_ingest::multipart_testing
