// FileService over in-process gRPC with real PostgreSQL and NATS, fakes only at the storage
// seams (placement, shard store): the adapter's validation, round trips, ranges, keys, owner
// isolation, dedup, delete and events.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "file_ingest_migrations.h"
#include "services/file-ingest/fake_backends.h"
#include "services/file-ingest/file_ingest.h"
#include "services/file-ingest/file_ingest_service.h"
#include "shared/bus/bus.h"
#include "shared/bus/event.h"
#include "shared/crypto/random.h"
#include "shared/crypto/x25519.h"
#include "shared/pg/migrations.h"
#include "shared/testing/wait_for.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::file_ingest {
namespace {

using file::v1::DownloadRequest;
using file::v1::DownloadResponse;
using file::v1::UploadRequest;
using file::v1::UploadResponse;

constexpr uint64_t kSeg = 8192;

class FileServiceTest : public datamesh::testing::WithTestStack {
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
    store_ = std::make_unique<ManifestStore>(*pool_);
    auto codec = erasure::MakeCodec(erasure::Backend::kJerasure, 4, 2);
    ASSERT_OK(codec);
    codec_ = std::move(*codec);
    ServiceDeps deps{.store = store_.get(),
                     .placement = &placement_,
                     .shards = &shards_,
                     .codec = codec_.get(),
                     .bus = bus_.get()};
    deps.pipeline.segment_bytes = kSeg;
    deps.pipeline.inline_max_bytes = 64;
    Serve(deps);
    auto key = crypto::X25519PrivateKey::Generate();
    ASSERT_OK(key);
    key_.emplace(std::move(*key));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
    shards_.Release("node-5");  // writes a test left hanging end before the store goes
  }

  // (Re)starts the service under test with `deps` on a fresh port; stub_ talks to it.
  void Serve(const ServiceDeps& deps) {
    if (server_) server_->Shutdown();
    server_.reset();
    service_ = std::make_unique<FileServiceImpl>(deps);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = file::v1::FileService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                               grpc::InsecureChannelCredentials()));
  }

  std::string PrivateKey() { return std::string(key_->ToBytes().value().view()); }

  grpc::Status Upload(const std::string& owner, const std::string& name, const std::string& data,
                      UploadResponse* resp, std::optional<uint64_t> declared = std::nullopt) {
    grpc::ClientContext ctx;
    auto writer = stub_->Upload(&ctx, resp);
    UploadRequest req;
    auto* h = req.mutable_header();
    h->set_owner_id(owner);
    h->set_name(name);
    h->set_owner_public_key(key_->public_key());
    h->set_owner_key_version(1);
    if (declared) h->set_declared_size(*declared);
    writer->Write(req);
    for (size_t at = 0; at < data.size(); at += 3000) {
      UploadRequest chunk;
      chunk.set_chunk(data.substr(at, 3000));
      writer->Write(chunk);
    }
    writer->WritesDone();
    return writer->Finish();
  }

  grpc::Status Download(const std::string& owner, const std::string& id, std::string* out,
                        uint64_t offset = 0, std::optional<uint64_t> length = std::nullopt,
                        std::string private_key = "") {
    grpc::ClientContext ctx;
    DownloadRequest req;
    req.set_owner_id(owner);
    req.set_file_id(id);
    req.set_offset(offset);
    if (length) req.set_length(*length);
    req.set_private_key(private_key.empty() ? PrivateKey() : private_key);
    auto reader = stub_->Download(&ctx, req);
    DownloadResponse msg;
    out->clear();
    bool first = true;
    while (reader->Read(&msg)) {
      EXPECT_EQ(msg.has_header(), first);
      first = false;
      out->append(msg.chunk());
    }
    return reader->Finish();
  }

  static std::string Data(size_t n) { return crypto::RandomBytes(n).value(); }

  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<bus::Bus> bus_;
  std::unique_ptr<ManifestStore> store_;
  std::unique_ptr<erasure::ErasureCodec> codec_;
  FakePlacement placement_{6};
  FakeShardStore shards_;
  std::unique_ptr<LateShards> late_;  // after the store its writes use, before the service
  std::unique_ptr<FileServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<file::v1::FileService::Stub> stub_;
  std::optional<crypto::X25519PrivateKey> key_;
};

TEST_F(FileServiceTest, RoundTripsAndRanges) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{64}, size_t{65}, size_t{kSeg - 1}, size_t{kSeg},
                   size_t{kSeg + 1}, size_t{7 * kSeg + 5}}) {
    std::string data = Data(n);
    UploadResponse resp;
    ASSERT_TRUE(Upload("alice", "f" + std::to_string(n), data, &resp, n).ok()) << n;
    EXPECT_EQ(resp.file().size(), n);
    EXPECT_EQ(resp.file().encryption(), "server");
    std::string back;
    ASSERT_TRUE(Download("alice", resp.file().id(), &back).ok()) << n;
    EXPECT_EQ(back, data) << n;
    if (n > kSeg) {
      ASSERT_TRUE(Download("alice", resp.file().id(), &back, kSeg - 3, 7).ok());
      EXPECT_EQ(back, data.substr(kSeg - 3, 7));
    }
  }
  std::string none;
  UploadResponse resp;
  ASSERT_TRUE(Upload("alice", "ranged", Data(100), &resp).ok());
  EXPECT_EQ(Download("alice", resp.file().id(), &none, 100).error_code(),
            grpc::StatusCode::OUT_OF_RANGE);
  ASSERT_TRUE(Download("alice", resp.file().id(), &none, 90, 1000).ok());
  EXPECT_EQ(none.size(), 10u);
}

TEST_F(FileServiceTest, OwnerIsolationKeysAndValidation) {
  UploadResponse resp;
  ASSERT_TRUE(Upload("alice", "secret", Data(kSeg * 2), &resp).ok());
  const std::string id = resp.file().id();
  std::string out;
  EXPECT_EQ(Download("mallory", id, &out).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext ctx;
  file::v1::StatRequest stat;
  stat.set_owner_id("mallory");
  stat.set_file_id(id);
  file::v1::StatResponse stat_resp;
  EXPECT_EQ(stub_->Stat(&ctx, stat, &stat_resp).error_code(), grpc::StatusCode::NOT_FOUND);
  auto other = crypto::X25519PrivateKey::Generate();
  ASSERT_OK(other);
  EXPECT_EQ(
      Download("alice", id, &out, 0, std::nullopt, std::string(other->ToBytes().value().view()))
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Download("alice", id, &out, 0, std::nullopt, "short").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  for (const char* bad : {"", "/lead", "a//b", "a/../b", "ctl\x01"}) {
    EXPECT_EQ(Upload("alice", bad, "x", &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << bad;
  }
  EXPECT_EQ(Upload("alice", "sized", Data(10), &resp, 11).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Upload("alice", "sized", Data(kSeg * 3), &resp, 5).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // Tags are stored as JSON, which cannot hold a NUL: refused before the database sees them.
  for (const std::string& key : {std::string("k"), std::string("a\0b", 3)}) {
    file::v1::UpdateMetadataRequest update;
    update.set_owner_id("alice");
    update.set_file_id(id);
    (*update.mutable_tags())[key] = key == "k" ? std::string("v\0", 2) : "v";
    file::v1::UpdateMetadataResponse updated;
    grpc::ClientContext update_ctx;
    EXPECT_EQ(stub_->UpdateMetadata(&update_ctx, update, &updated).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
}

TEST_F(FileServiceTest, DeleteListHealthAndEvents) {
  UploadResponse a, b;
  // Whole segments: no all-zero padding shards, which different files may share.
  std::string data = Data(kSeg * 2);
  ASSERT_TRUE(Upload("bob", "dir/a", data, &a).ok());
  ASSERT_TRUE(Upload("bob", "dir/b", data, &b).ok());  // same bytes: deduplicated
  const size_t shards_after = shards_.count();
  grpc::ClientContext lctx;
  file::v1::ListRequest list;
  list.set_owner_id("bob");
  list.set_prefix("dir/");
  file::v1::ListResponse listed;
  ASSERT_TRUE(stub_->List(&lctx, list, &listed).ok());
  ASSERT_EQ(listed.files_size(), 2);
  EXPECT_EQ(listed.files(0).name(), "dir/a");
  grpc::ClientContext hctx;
  file::v1::GetHealthRequest hreq;
  hreq.set_owner_id("bob");
  hreq.set_file_id(a.file().id());
  file::v1::GetHealthResponse health;
  ASSERT_TRUE(stub_->GetHealth(&hctx, hreq, &health).ok());
  EXPECT_EQ(health.state(), "healthy");
  EXPECT_EQ(health.segments(), 2u);
  EXPECT_EQ(health.total_shards(), 12u);
  grpc::ClientContext dctx;
  file::v1::DeleteRequest del;
  del.set_owner_id("bob");
  del.set_file_id(a.file().id());
  file::v1::DeleteResponse dresp;
  ASSERT_TRUE(stub_->Delete(&dctx, del, &dresp).ok());
  std::string out;
  EXPECT_EQ(Download("bob", a.file().id(), &out).error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(Download("bob", b.file().id(), &out).ok());  // shared content survives
  EXPECT_EQ(out, data);
  // Every event reached JetStream: the outbox is empty.
  int left = 0;
  ASSERT_OK(store_->DrainOutbox(100, [&](const std::string&) {
    ++left;
    return absl::OkStatus();
  }));
  EXPECT_EQ(left, 0);
  // The deduplicated upload's own shards are queued; draining deletes exactly those.
  ASSERT_OK(store_->DrainShardDeletions(
      1000, [&](const ShardDeletion& d) { return shards_.Delete(d.node, d.shard_id); }));
  EXPECT_EQ(shards_after, 24u);
  EXPECT_EQ(shards_.count(), 12u);
  ASSERT_TRUE(Download("bob", b.file().id(), &out).ok());
  EXPECT_EQ(out, data);
}

// upload.progress on core NATS: shards acknowledged out of segments x (k+m), counted against the
// declared size while the upload streams, exact in the final event sent after the commit.
TEST_F(FileServiceTest, UploadProgressCountsPlacedShards) {
  std::mutex mu;
  std::map<std::string, std::vector<events::v1::UploadProgress>> by_upload;
  auto sub = bus_->SubscribeEvents(
      bus::SubjectFor("upload.progress"), "", [&](const events::v1::Event& e) {
        std::lock_guard<std::mutex> lock(mu);
        by_upload[e.upload_progress().upload_id()].push_back(e.upload_progress());
      });
  ASSERT_OK(sub);
  auto final_event = [&](const std::string& id) -> std::optional<events::v1::UploadProgress> {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& p : by_upload[id]) {
      if (p.committed()) return p;
    }
    return std::nullopt;
  };
  auto early_events = [&](const std::string& id) {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<events::v1::UploadProgress> out;
    for (const auto& p : by_upload[id]) {
      if (!p.committed()) out.push_back(p);
    }
    return out;
  };
  const size_t size = 7 * kSeg + 5;  // 8 segments
  UploadResponse declared, undeclared, tiny;
  ASSERT_TRUE(Upload("carol", "declared", Data(size), &declared, size).ok());
  ASSERT_TRUE(Upload("carol", "undeclared", Data(size), &undeclared).ok());
  ASSERT_TRUE(Upload("carol", "tiny", Data(10), &tiny).ok());
  for (const UploadResponse* r : {&declared, &undeclared, &tiny}) {
    ASSERT_TRUE(datamesh::testing::WaitFor([&] { return final_event(r->file().id()).has_value(); },
                                           absl::Seconds(10)))
        << r->file().name();
  }
  for (const UploadResponse* r : {&declared, &undeclared}) {
    const events::v1::UploadProgress done = *final_event(r->file().id());
    EXPECT_EQ(done.shards_placed(), 48u) << r->file().name();
    EXPECT_EQ(done.shards_total(), 48u);
    EXPECT_EQ(done.segments_durable(), 8u);
    EXPECT_EQ(done.segments_total(), 8u);
    EXPECT_EQ(done.shards_per_segment(), 6u);
    EXPECT_EQ(done.segment_bytes(), kSeg);
    EXPECT_EQ(done.bytes_received(), size);
  }
  // Streaming: the declared size gives the whole file's shards from the first event on; without
  // it only the segments collected so far count. Never more placed than counted.
  const auto early_declared = early_events(declared.file().id());
  ASSERT_FALSE(early_declared.empty());
  for (const auto& p : early_declared) {
    EXPECT_EQ(p.shards_total(), 48u);
    EXPECT_LE(p.shards_placed(), p.shards_total());
  }
  for (const auto& p : early_events(undeclared.file().id())) {
    EXPECT_EQ(p.shards_total(), p.segments_total() * 6);
    EXPECT_LE(p.shards_placed(), p.shards_total());
  }
  // Kept in its manifest: nothing to place, and the final event says so.
  const events::v1::UploadProgress small = *final_event(tiny.file().id());
  EXPECT_EQ(small.shards_total(), 0u);
  EXPECT_EQ(small.shards_placed(), 0u);
}

// Shard writes a slow node still runs at the commit are not counted in the first committed
// event; when they end, one more committed event counts the shards that landed.
TEST_F(FileServiceTest, LateShardWritesEndWithOneMoreCommittedProgressEvent) {
  late_ = std::make_unique<LateShards>(
      64 << 20,
      [this](const std::vector<SettledShard>& settled) {
        return store_->SettleWritingShards(settled);
      },
      nullptr);
  ServiceDeps deps{.store = store_.get(),
                   .placement = &placement_,
                   .shards = &shards_,
                   .codec = codec_.get(),
                   .bus = bus_.get(),
                   .late = late_.get()};
  deps.pipeline.segment_bytes = kSeg;
  deps.pipeline.inline_max_bytes = 64;
  deps.pipeline.late_shard_grace = absl::Milliseconds(20);
  Serve(deps);

  std::mutex mu;
  std::vector<events::v1::UploadProgress> committed;
  auto sub = bus_->SubscribeEvents(bus::SubjectFor("upload.progress"), "",
                                   [&](const events::v1::Event& e) {
                                     if (!e.upload_progress().committed()) return;
                                     std::lock_guard<std::mutex> lock(mu);
                                     committed.push_back(e.upload_progress());
                                   });
  ASSERT_OK(sub);
  auto seen = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return committed;
  };

  shards_.Hang("node-5");
  UploadResponse resp;
  ASSERT_TRUE(Upload("dave", "slow-node", Data(2 * kSeg), &resp, 2 * kSeg).ok());
  ASSERT_TRUE(datamesh::testing::WaitFor([&] { return seen().size() == 1; }, absl::Seconds(10)));
  EXPECT_EQ(seen()[0].shards_placed(), 10u);  // node-5's shard of each segment still runs
  EXPECT_EQ(seen()[0].shards_total(), 12u);
  EXPECT_EQ(seen()[0].segments_durable(), 0u);

  shards_.Release("node-5");
  ASSERT_TRUE(datamesh::testing::WaitFor([&] { return seen().size() == 2; }, absl::Seconds(10)));
  const events::v1::UploadProgress landed = seen()[1];
  EXPECT_EQ(landed.upload_id(), seen()[0].upload_id());
  EXPECT_EQ(landed.shards_placed(), 12u);
  EXPECT_EQ(landed.shards_total(), 12u);
  EXPECT_EQ(landed.segments_durable(), 2u);
  EXPECT_EQ(landed.bytes_received(), 2 * kSeg);
}

TEST(FileIngestOptionsTest, WriteToleranceIsOneToParityShards) {
  FileIngestOptions o;
  o.dht_addr = "127.0.0.1:1";
  EXPECT_OK(ValidateOptions(o));  // the default, 1
  for (int64_t bad : {int64_t{0}, int64_t{-1}, int64_t{3}}) {
    o.write_tolerance = bad;
    absl::Status s = ValidateOptions(o);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << bad;
    EXPECT_NE(s.message().find("--write-tolerance"), std::string_view::npos) << s.message();
  }
  o.write_tolerance = 2;
  EXPECT_OK(ValidateOptions(o));
}

}  // namespace
}  // namespace datamesh::file_ingest
