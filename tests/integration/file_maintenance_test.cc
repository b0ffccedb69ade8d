// file-ingest maintenance on the whole local stack (real NATS, PostgreSQL, dht, six
// chunk-stores): upload.progress events, scrub of a shard flipped on disk, garbage collection
// after file-ingest is SIGKILLed mid-upload, and repair after a chunk-store dies.
//
// The tests share one stack and run in order; the chunk-store kill comes last.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <thread>

#include "absl/strings/str_cat.h"
#include "datamesh/chunk/v1/chunk.grpc.pb.h"
#include "datamesh/file/v1/file.grpc.pb.h"
#include "shared/bus/bus.h"
#include "shared/crypto/random.h"
#include "shared/crypto/x25519.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/wait_for.h"

namespace datamesh {
namespace {

using ::datamesh::testing::TestStack;
using ::datamesh::testing::WaitFor;
using file::v1::FileService;
constexpr int kChunkStores = 6;

class FileMaintenanceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("DM_GC_GRACE", "1s", 1);
    setenv("DM_NODE_TIMEOUT", "6s", 1);
    setenv("DM_WORKER_INTERVAL", "1s", 1);
    // Short, so the repair of a dead chunk-store's shards (deferred by it) comes within the test.
    setenv("DM_REPAIR_DOWN_GRACE", "10s", 1);
    auto stack = TestStack::Start({.services = true, .chunk_stores = kChunkStores});
    ASSERT_OK(stack);
    stack_ = stack->release();
    auto key = crypto::X25519PrivateKey::Generate();
    ASSERT_OK(key);
    public_key_ = key->public_key();
    private_key_ = std::string(key->ToBytes().value().view());
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(stack_, nullptr);
    files_ = FileService::NewStub(grpc::CreateChannel(stack_->Env("DM_FILE_INGEST_GRPC_ADDR"),
                                                      grpc::InsecureChannelCredentials()));
  }

  static std::unique_ptr<chunk::v1::ChunkService::Stub> Chunk(int store) {
    return chunk::v1::ChunkService::NewStub(
        grpc::CreateChannel(stack_->Env(absl::StrCat("DM_CHUNK_STORE_", store, "_GRPC_ADDR")),
                            grpc::InsecureChannelCredentials()));
  }
  static std::string NodeId(int store) {
    grpc::ClientContext ctx;
    chunk::v1::StatsResponse resp;
    EXPECT_TRUE(Chunk(store)->Stats(&ctx, chunk::v1::StatsRequest(), &resp).ok());
    return resp.node_id();
  }
  static size_t ShardCount(int store) {
    size_t n = 0;
    std::string cursor;
    do {
      grpc::ClientContext ctx;
      chunk::v1::ListShardsRequest req;
      req.set_limit(10000);
      req.set_cursor(cursor);
      chunk::v1::ListShardsResponse resp;
      if (!Chunk(store)->ListShards(&ctx, req, &resp).ok()) return 0;
      n += resp.shards_size();
      cursor = resp.has_next_cursor() ? resp.next_cursor() : "";
    } while (!cursor.empty());
    return n;
  }
  static pqxx::result Sql(const std::string& sql, const std::string& arg = "") {
    pqxx::connection conn(stack_->pg_url());
    pqxx::work w(conn);
    pqxx::result r = arg.empty() ? w.exec(sql) : w.exec_params(sql, arg);
    w.commit();
    return r;
  }

  grpc::Status UploadOnce(const std::string& owner, const std::string& data,
                          const std::string& upload_id, file::v1::UploadResponse* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    auto writer = files_->Upload(&ctx, resp);
    file::v1::UploadRequest req;
    req.mutable_header()->set_owner_id(owner);
    req.mutable_header()->set_name("maint/file");
    req.mutable_header()->set_owner_public_key(public_key_);
    req.mutable_header()->set_declared_size(data.size());
    req.mutable_header()->set_upload_id(upload_id);
    writer->Write(req);
    for (size_t at = 0; at < data.size(); at += 1 << 20) {
      file::v1::UploadRequest chunk;
      chunk.set_chunk(data.substr(at, 1 << 20));
      if (!writer->Write(chunk)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }
  std::string Upload(const std::string& owner, const std::string& data,
                     const std::string& upload_id = "") {
    file::v1::UploadResponse resp;
    grpc::Status status;
    WaitFor(
        [&] {
          status = UploadOnce(owner, data, upload_id, &resp);
          return status.error_code() != grpc::StatusCode::UNAVAILABLE;
        },
        absl::Seconds(60));
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return resp.file().id();
  }
  std::string Download(const std::string& owner, const std::string& id) {
    grpc::ClientContext ctx;
    file::v1::DownloadRequest req;
    req.set_owner_id(owner);
    req.set_file_id(id);
    req.set_private_key(private_key_);
    auto reader = files_->Download(&ctx, req);
    file::v1::DownloadResponse msg;
    std::string out;
    while (reader->Read(&msg)) out.append(msg.chunk());
    grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }
  file::v1::GetHealthResponse HealthOf(const std::string& owner, const std::string& id) {
    grpc::ClientContext ctx;
    file::v1::GetHealthRequest req;
    req.set_owner_id(owner);
    req.set_file_id(id);
    file::v1::GetHealthResponse resp;
    grpc::Status status = files_->GetHealth(&ctx, req, &resp);
    if (!status.ok()) resp.set_state("error: " + status.error_message());
    return resp;
  }
  std::string Health(const std::string& owner, const std::string& id) {
    return HealthOf(owner, id).state();
  }
  // Starts a job and waits until it ends.
  file::v1::GetMaintenanceJobResponse RunJob(const std::string& action) {
    file::v1::RunMaintenanceResponse started;
    WaitFor(
        [&] {
          grpc::ClientContext ctx;
          file::v1::RunMaintenanceRequest req;
          req.set_action(action);
          req.set_actor_id("admin");
          return files_->RunMaintenance(&ctx, req, &started).ok();
        },
        absl::Seconds(30));
    file::v1::GetMaintenanceJobResponse job;
    EXPECT_TRUE(WaitFor(
        [&] {
          grpc::ClientContext ctx;
          file::v1::GetMaintenanceJobRequest req;
          req.set_job_id(started.job_id());
          return files_->GetMaintenanceJob(&ctx, req, &job).ok() &&
                 (job.state() == "succeeded" || job.state() == "failed");
        },
        absl::Seconds(120)))
        << job.state();
    return job;
  }
  static std::string Random(size_t n) { return crypto::RandomBytes(n).value(); }
  static int StoreOf(const std::string& node_id) {
    for (int i = 1; i <= kChunkStores; ++i) {
      if (NodeId(i) == node_id) return i;
    }
    return 0;
  }

  static inline TestStack* stack_ = nullptr;
  static inline std::string public_key_;
  static inline std::string private_key_;
  std::unique_ptr<FileService::Stub> files_;
};

TEST_F(FileMaintenanceTest, UnknownActionIsInvalidAndUnknownJobNotFound) {
  grpc::ClientContext ctx;
  file::v1::RunMaintenanceRequest req;
  req.set_action("defrag");
  file::v1::RunMaintenanceResponse resp;
  EXPECT_EQ(files_->RunMaintenance(&ctx, req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext ctx2;
  file::v1::GetMaintenanceJobRequest get;
  get.set_job_id("00000000-0000-4000-8000-000000000000");
  file::v1::GetMaintenanceJobResponse job;
  EXPECT_EQ(files_->GetMaintenanceJob(&ctx2, get, &job).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(FileMaintenanceTest, UploadPublishesIncreasingProgressAndAFinalEvent) {
  auto bus = bus::Bus::Connect({.url = stack_->nats_url(), .client_name = "maint-test"});
  ASSERT_OK(bus);
  std::mutex mu;
  std::vector<events::v1::UploadProgress> seen;
  auto sub = (*bus)->SubscribeEvents("dm.v1.upload.progress", "", [&](const events::v1::Event& e) {
    if (e.upload_progress().upload_id() != "progress-1") return;
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(e.upload_progress());
  });
  ASSERT_OK(sub);
  const std::string data = Random(9 << 20);
  ASSERT_FALSE(Upload("progress-owner", data, "progress-1").empty());
  ASSERT_TRUE(WaitFor(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return !seen.empty() && seen.back().bytes_received() == data.size();
      },
      absl::Seconds(10)));
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_GE(seen.size(), 2u);  // at least the first one during the body and the final one
  // Counts never go back, and each event reports progress of one kind or the other: the last
  // throttled event may already carry every byte received, the final one then adds the stored.
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GE(seen[i].bytes_received(), seen[i - 1].bytes_received());
    EXPECT_GE(seen[i].bytes_stored(), seen[i - 1].bytes_stored());
    EXPECT_TRUE(seen[i].bytes_received() > seen[i - 1].bytes_received() ||
                seen[i].bytes_stored() > seen[i - 1].bytes_stored())
        << "event " << i << " repeats the previous counts";
  }
  EXPECT_LT(seen.front().bytes_received(), data.size());
  EXPECT_EQ(seen.back().bytes_stored(), data.size());
  EXPECT_EQ(seen.back().total_bytes(), data.size());
  EXPECT_EQ(seen.back().owner_id(), "progress-owner");
}

TEST_F(FileMaintenanceTest, ScrubReplacesAShardFlippedOnDisk) {
  const std::string data = Random(5 << 20);
  const std::string id = Upload("scrub-owner", data);
  ASSERT_FALSE(id.empty());
  const std::string shard_of =
      "SELECT shard_id, node_id FROM files.shards WHERE content_id = (SELECT content_id FROM "
      "files.files WHERE id = $1) AND segment_idx = 0 AND shard_idx = 1";
  pqxx::result before = Sql(shard_of, id);
  ASSERT_EQ(before.size(), 1u);
  const std::string shard = before[0][0].as<std::string>();
  const int store = StoreOf(before[0][1].as<std::string>());
  ASSERT_GT(store, 0);
  const std::filesystem::path path = std::filesystem::path(stack_->dir()) / "data" /
                                     absl::StrCat("chunk-store-", store) / "shards" /
                                     shard.substr(0, 2) / shard.substr(2, 2) / shard;
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.write("\xde\xad\xbe\xef", 4);
  }
  // Before any scrub, reads already refuse the corrupt data shard and decode from parity.
  EXPECT_TRUE(Download("scrub-owner", id) == data);
  file::v1::GetMaintenanceJobResponse job = RunJob("scrub");
  EXPECT_EQ(job.state(), "succeeded") << job.message();
  EXPECT_EQ(job.fixed(), 1u) << job.message();
  EXPECT_GT(job.examined(), 0u);
  EXPECT_TRUE(job.has_started_at() && job.has_finished_at());
  pqxx::result after = Sql(shard_of, id);
  ASSERT_EQ(after.size(), 1u);
  const int now_on = StoreOf(after[0][1].as<std::string>());
  ASSERT_GT(now_on, 0);
  grpc::ClientContext ctx;
  chunk::v1::HasShardsRequest has;
  has.add_shard_ids(shard);
  chunk::v1::HasShardsResponse present;
  ASSERT_TRUE(Chunk(now_on)->HasShards(&ctx, has, &present).ok());
  EXPECT_TRUE(present.present(0));
  EXPECT_TRUE(Download("scrub-owner", id) == data);
}

TEST_F(FileMaintenanceTest, KilledUploadLeavesNothingVisibleAndGcRemovesItsShards) {
  const std::string kept = Random(5 << 20);  // committed: GC must leave its shards alone
  const std::string kept_id = Upload("gc-owner", kept);
  ASSERT_FALSE(kept_id.empty());
  std::atomic<bool> done{false};
  std::thread uploader([&] {
    grpc::ClientContext ctx;
    file::v1::UploadResponse resp;
    auto writer = files_->Upload(&ctx, &resp);
    file::v1::UploadRequest req;
    req.mutable_header()->set_owner_id("killed-owner");
    req.mutable_header()->set_name("never/visible");
    req.mutable_header()->set_owner_public_key(public_key_);
    bool ok = writer->Write(req);
    const std::string mib = Random(1 << 20);
    for (int i = 0; ok && i < 400; ++i) {  // up to 400 MiB; file-ingest dies long before
      file::v1::UploadRequest chunk;
      chunk.set_chunk(mib);
      ok = writer->Write(chunk);
    }
    writer->WritesDone();
    (void)writer->Finish();
    done = true;
  });
  // Shards are recorded as intents before they are written.
  ASSERT_TRUE(WaitFor([] { return Sql("SELECT 1 FROM files.shard_intents").size() >= 12; },
                      absl::Seconds(60)));
  ASSERT_OK(stack_->Devstack("kill-instance file-ingest"));
  uploader.join();
  ASSERT_OK(
      stack_->Devstack("start-instance --bin " + TestStack::BinaryDir() + "/bin file-ingest"));
  // The restarted instance serves; nothing of the upload is visible.
  ASSERT_TRUE(WaitFor(
      [&] {
        grpc::ClientContext ctx;
        file::v1::ListRequest req;
        req.set_owner_id("killed-owner");
        file::v1::ListResponse resp;
        grpc::Status s = files_->List(&ctx, req, &resp);
        return s.ok() && resp.files_size() == 0;
      },
      absl::Seconds(60)));
  // Once the dead instance's intents expired, GC leaves exactly the referenced shards.
  const std::string referenced = "SELECT count(DISTINCT (shard_id, node_id)) FROM files.shards";
  size_t held = 0, wanted = 0;
  std::string last_job;
  EXPECT_TRUE(WaitFor(
      [&] {
        file::v1::GetMaintenanceJobResponse job = RunJob("gc");
        last_job = job.ShortDebugString();
        if (job.state() != "succeeded") return false;
        held = 0;
        for (int i = 1; i <= kChunkStores; ++i) held += ShardCount(i);
        wanted = Sql(referenced)[0][0].as<size_t>();
        return held == wanted;
      },
      absl::Seconds(90)))
      << held << " shards held, " << wanted << " referenced; last gc job: " << last_job;
  EXPECT_GT(wanted, 0u);
  EXPECT_TRUE(Download("gc-owner", kept_id) == kept);
}

TEST_F(FileMaintenanceTest, DeadChunkStoreIsRepairedAwayAndFilesStayIdentical) {
  const std::string a = Random(9 << 20), b = Random(300 << 10);
  const std::string id_a = Upload("repair-owner", a), id_b = Upload("repair-owner", b);
  ASSERT_FALSE(id_a.empty() || id_b.empty());
  EXPECT_EQ(Health("repair-owner", id_a), "healthy");
  const int victim = 6;
  const std::string dead = NodeId(victim);
  const std::string on_dead = "SELECT count(*) FROM files.shards WHERE node_id = $1";
  const size_t lost = Sql(on_dead, dead)[0][0].as<size_t>();
  ASSERT_GT(lost, 0u);
  ASSERT_OK(stack_->Devstack(absl::StrCat("kill-instance chunk-store-", victim)));
  // dht declares the node down (6 s without heartbeats); no segment is at risk with one node
  // lost, so node.down's repair waits out the 10 s grace, then moves every shard off it.
  // GetHealth is degraded in between.
  bool saw_degraded = false;
  EXPECT_TRUE(WaitFor(
      [&] {
        saw_degraded |= Health("repair-owner", id_a) == "degraded";
        return Sql(on_dead, dead)[0][0].as<size_t>() == 0;
      },
      absl::Seconds(90)));
  pqxx::result jobs =
      Sql("SELECT count(*) FROM files.maintenance_jobs WHERE action = 'repair' AND state = "
          "'succeeded' AND fixed > 0");
  EXPECT_GE(jobs[0][0].as<int>(), 1);
  // Six shards per segment on the five nodes left: every shard is live again, but one node
  // holds two of a segment, so the file survives one more node loss, not two.
  EXPECT_TRUE(WaitFor(
      [&] {
        const file::v1::GetHealthResponse h = HealthOf("repair-owner", id_a);
        return h.min_healthy_per_segment() == 6 && h.min_node_losses_tolerated() == 1;
      },
      absl::Seconds(30)))
      << HealthOf("repair-owner", id_a).DebugString();
  EXPECT_EQ(HealthOf("repair-owner", id_b).min_healthy_per_segment(), 6u);
  EXPECT_TRUE(Download("repair-owner", id_a) == a);
  EXPECT_TRUE(Download("repair-owner", id_b) == b);
  // The node comes back empty-handed for these files (its old shards are garbage now); the
  // doubled-up shards move onto it and full redundancy returns.
  ASSERT_OK(stack_->Devstack(
      absl::StrCat("start-instance --bin ", TestStack::BinaryDir(), "/bin chunk-store-", victim)));
  for (const std::string& id : {id_a, id_b}) {
    EXPECT_TRUE(WaitFor([&] { return Health("repair-owner", id) == "healthy"; }, absl::Seconds(60)))
        << HealthOf("repair-owner", id).DebugString();
  }
  EXPECT_TRUE(Download("repair-owner", id_a) == a);
  EXPECT_TRUE(Download("repair-owner", id_b) == b);
  std::cout << "shards rebuilt off the dead node: " << lost
            << (saw_degraded ? " (degraded state observed)" : "") << "\n";
}

}  // namespace
}  // namespace datamesh
