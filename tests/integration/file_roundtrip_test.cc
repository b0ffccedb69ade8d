// file-ingest on the whole local stack: real NATS, PostgreSQL, Redis, dht and six
// chunk-stores. Uploads are retried while UNAVAILABLE until dht has seen enough node
// heartbeats to place k + m shards.
//
// Round trips (0, 1, segment - 1, segment, segment + 1 bytes and 20 MiB), ranges across
// segment boundaries, owner isolation and delete, and an upload whose usage quota refuses at
// commit never becoming visible.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "datamesh/file/v1/file.grpc.pb.h"
#include "datamesh/quota/v1/quota.grpc.pb.h"
#include "shared/crypto/random.h"
#include "shared/crypto/x25519.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"

namespace datamesh {
namespace {

using ::datamesh::testing::TestStack;
using file::v1::FileService;

constexpr uint64_t kSeg = 4 << 20;  // file-ingest's default --segment-bytes

class FileRoundTripTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto stack = TestStack::Start({.services = true, .chunk_stores = 6});
    ASSERT_OK(stack);
    stack_ = stack->release();
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(stack_, nullptr);
    stub_ = FileService::NewStub(grpc::CreateChannel(stack_->Env("DM_FILE_INGEST_GRPC_ADDR"),
                                                     grpc::InsecureChannelCredentials()));
    auto key = crypto::X25519PrivateKey::Generate();
    ASSERT_OK(key);
    key_.emplace(std::move(*key));
  }

  grpc::Status UploadOnce(const std::string& owner, const std::string& data,
                          file::v1::UploadResponse* resp, const std::string& reservation = "",
                          grpc::ClientContext* context = nullptr) {
    grpc::ClientContext own_ctx;
    grpc::ClientContext& ctx = context != nullptr ? *context : own_ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    auto writer = stub_->Upload(&ctx, resp);
    file::v1::UploadRequest req;
    req.mutable_header()->set_owner_id(owner);
    req.mutable_header()->set_name("test/file");
    req.mutable_header()->set_owner_public_key(key_->public_key());
    req.mutable_header()->set_declared_size(data.size());
    req.mutable_header()->set_reservation_id(reservation);
    writer->Write(req);
    for (size_t at = 0; at < data.size(); at += 1 << 20) {
      file::v1::UploadRequest chunk;
      chunk.set_chunk(data.substr(at, 1 << 20));
      if (!writer->Write(chunk)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  // Uploads, retrying while the storage network is still forming (nodes join by heartbeat).
  std::string Upload(const std::string& owner, const std::string& data) {
    file::v1::UploadResponse resp;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    grpc::Status status = UploadOnce(owner, data, &resp);
    while (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
           std::chrono::steady_clock::now() < deadline) {
      status = UploadOnce(owner, data, &resp);
    }
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return resp.file().id();
  }

  grpc::Status Download(const std::string& owner, const std::string& id, std::string* out,
                        uint64_t offset = 0, std::optional<uint64_t> length = std::nullopt) {
    grpc::ClientContext ctx;
    file::v1::DownloadRequest req;
    req.set_owner_id(owner);
    req.set_file_id(id);
    req.set_offset(offset);
    if (length) req.set_length(*length);
    req.set_private_key(std::string(key_->ToBytes().value().view()));
    auto reader = stub_->Download(&ctx, req);
    file::v1::DownloadResponse msg;
    out->clear();
    while (reader->Read(&msg)) out->append(msg.chunk());
    return reader->Finish();
  }

  static inline TestStack* stack_ = nullptr;
  std::unique_ptr<FileService::Stub> stub_;
  std::optional<crypto::X25519PrivateKey> key_;
};

TEST_F(FileRoundTripTest, ByteIdenticalRoundTrips) {
  for (uint64_t n : {uint64_t{0}, uint64_t{1}, kSeg - 1, kSeg, kSeg + 1, uint64_t{20} << 20}) {
    std::string data = crypto::RandomBytes(n).value();
    std::string id = Upload("rt-owner", data);
    ASSERT_FALSE(id.empty()) << n;
    std::string back;
    grpc::Status s = Download("rt-owner", id, &back);
    ASSERT_TRUE(s.ok()) << n << ": " << s.error_message();
    EXPECT_EQ(back, data) << n;
  }
}

TEST_F(FileRoundTripTest, RangesAcrossSegmentBoundaries) {
  std::string data = crypto::RandomBytes(3 * kSeg + 100).value();
  std::string id = Upload("range-owner", data);
  ASSERT_FALSE(id.empty());
  for (auto [off, len] : std::vector<std::pair<uint64_t, uint64_t>>{
           {kSeg - 10, 20}, {kSeg - 1, kSeg + 2}, {2 * kSeg + 5, kSeg + 95}, {0, 1}}) {
    std::string back;
    ASSERT_TRUE(Download("range-owner", id, &back, off, len).ok());
    EXPECT_EQ(back, data.substr(off, len)) << off;
  }
}

TEST_F(FileRoundTripTest, OwnerIsolationAndDelete) {
  std::string data = crypto::RandomBytes(kSeg + 7).value();
  std::string id = Upload("owner-a", data);
  ASSERT_FALSE(id.empty());
  std::string back;
  EXPECT_EQ(Download("owner-b", id, &back).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext ctx;
  file::v1::DeleteRequest del;
  del.set_owner_id("owner-b");
  del.set_file_id(id);
  file::v1::DeleteResponse resp;
  EXPECT_EQ(stub_->Delete(&ctx, del, &resp).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext ctx2;
  del.set_owner_id("owner-a");
  ASSERT_TRUE(stub_->Delete(&ctx2, del, &resp).ok());
  EXPECT_EQ(Download("owner-a", id, &back).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(FileRoundTripTest, AnUploadQuotaRefusesAtCommitIsNeverListed) {
  auto quota = quota::v1::QuotaService::NewStub(
      grpc::CreateChannel(stack_->Env("DM_QUOTA_GRPC_ADDR"), grpc::InsecureChannelCredentials()));
  // A tier of 1 MiB, and a reservation of 1 KiB in it: committing 2 MiB must grow past the limit.
  quota::v1::UpdateTierRequest tier;
  tier.set_actor_id("00000000-0000-4000-8000-000000000001");
  tier.set_create(true);
  tier.mutable_tier()->set_name("tiny-roundtrip");
  tier.mutable_tier()->set_display_name("Tiny");
  tier.mutable_tier()->mutable_limits()->set_storage_bytes(1 << 20);
  quota::v1::UpdateTierResponse tier_resp;
  grpc::ClientContext tier_ctx;
  ASSERT_TRUE(quota->UpdateTier(&tier_ctx, tier, &tier_resp).ok());
  const std::string owner = "4a2c1b7e-9d3f-4e21-8c55-0a1b2c3d4e5f";
  quota::v1::ReserveRequest reserve;
  reserve.set_user_id(owner);
  reserve.set_tier("tiny-roundtrip");
  reserve.set_bytes(1024);
  quota::v1::ReserveResponse reserved;
  grpc::ClientContext reserve_ctx;
  ASSERT_TRUE(quota->Reserve(&reserve_ctx, reserve, &reserved).ok());

  Upload(owner, "warm-up: the network is formed");  // outside the reservation, unlimited
  file::v1::ListRequest list;
  list.set_owner_id(owner);
  file::v1::ListResponse before;
  grpc::ClientContext list_ctx;
  ASSERT_TRUE(stub_->List(&list_ctx, list, &before).ok());

  grpc::ClientContext ctx;
  file::v1::UploadResponse resp;
  grpc::Status status = UploadOnce(owner, crypto::RandomBytes(2 << 20).value(), &resp,
                                   reserved.reservation_id(), &ctx);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  const auto& trailers = ctx.GetServerTrailingMetadata();
  auto code = trailers.find("dm-error-code");
  ASSERT_NE(code, trailers.end());
  EXPECT_EQ(std::string(code->second.data(), code->second.size()), "QUOTA_EXCEEDED");
  file::v1::ListResponse after;
  grpc::ClientContext list_ctx2;
  ASSERT_TRUE(stub_->List(&list_ctx2, list, &after).ok());
  EXPECT_EQ(after.files_size(), before.files_size());
}

}  // namespace
}  // namespace datamesh
