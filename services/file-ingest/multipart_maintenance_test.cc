// A completed multipart object -- sparse segment indexes -- under the real maintenance jobs
// (MaintenanceRunner over PostgreSQL): repaired after a node loss, scrubbed after a shard
// rotted, re-encoded to another erasure shape; each time read back whole with more nodes gone
// than its old shards could survive.
#include "services/file-ingest/maintenance.h"
#include "services/file-ingest/multipart_test_support.h"
#include "services/file-ingest/node_admin.h"
#include "services/file-ingest/reencode_store.h"

namespace datamesh::file_ingest::multipart_testing {
namespace {

// The storage network as maintenance sees it: the placement's nodes minus those marked down,
// shard presence from the fake store, and scrubs that report (and delete) the shards marked
// corrupt.
class FakeAdmin final : public NodeAdmin {
 public:
  FakeAdmin(FakeShardStore& shards, int nodes) : shards_(shards), nodes_(nodes) {}

  void Down(const std::string& node) {
    std::lock_guard<std::mutex> lock(mu_);
    down_.insert(node);
  }
  void Rot(const NodeRef& node, const std::string& shard_id) {
    std::lock_guard<std::mutex> lock(mu_);
    rotten_[node.id].push_back(shard_id);
  }

  absl::StatusOr<std::vector<NodeRef>> LiveNodes() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<NodeRef> live;
    for (int i = 0; i < nodes_; ++i) {
      const std::string id = "node-" + std::to_string(i);
      if (down_.count(id) == 0) live.push_back({id, "addr-" + std::to_string(i)});
    }
    return live;
  }
  absl::StatusOr<std::map<std::string, absl::Time>> DownNodes() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, absl::Time> out;
    for (const std::string& id : down_) out[id] = absl::UnixEpoch();
    return out;
  }
  absl::StatusOr<std::vector<bool>> HasShards(const NodeRef& node,
                                              const std::vector<std::string>& ids) override {
    std::vector<bool> present;
    for (const std::string& id : ids) present.push_back(shards_.Holds(node.id, id));
    return present;
  }
  absl::StatusOr<ShardPage> ListShards(const NodeRef&, absl::Time, const std::string&) override {
    return ShardPage{};
  }
  absl::StatusOr<ScrubBatch> Scrub(const NodeRef& node, const std::string&) override {
    std::lock_guard<std::mutex> lock(mu_);
    ScrubBatch batch;
    batch.scanned = 1;
    for (const std::string& id : rotten_[node.id]) {
      (void)shards_.Delete(node, id);
      batch.corrupt_shard_ids.push_back(id);
    }
    rotten_.erase(node.id);
    return batch;
  }

 private:
  FakeShardStore& shards_;
  const int nodes_;
  std::mutex mu_;
  std::set<std::string> down_;
  std::map<std::string, std::vector<std::string>> rotten_;
};

class MultipartMaintenanceTest : public MultipartServiceTest {
 protected:
  void SetUp() override {
    MultipartServiceTest::SetUp();
    if (HasFatalFailure()) return;
    maintenance_store_ = std::make_unique<MaintenanceStore>(*pool_, absl::Seconds(30));
    reencode_store_ = std::make_unique<ReencodeStore>(*pool_);
    live_ = std::make_unique<LiveCodec>(codec_.get());
    MaintenanceDeps deps{
        maintenance_store_.get(), &placement_, &shards_, &admin_, nullptr, nullptr, live_.get(),
        reencode_store_.get()};
    MaintenanceOptions options;
    options.pg_url = stack_->pg_url();
    options.instance_id = "multipart-maintenance-test";
    options.repair_down_grace = absl::ZeroDuration();
    options.reencode_bytes_per_second = 0;
    runner_ = std::make_unique<MaintenanceRunner>(deps, options);
  }
  void TearDown() override {
    if (runner_) runner_->Stop();
    MultipartServiceTest::TearDown();
  }

  // A completed three-part object in `bucket`: its file id, and its bytes in `bytes`.
  std::string MultipartObject(const std::string& bucket, std::string* bytes) {
    MakeBucket("alice", bucket);
    const std::string upload = Create("alice", bucket + "/k");
    const std::string one = Data(kMinPart + 3), two = Data(kMinPart), three = Data(999);
    EXPECT_TRUE(Part("alice", upload, 2, two).ok());
    EXPECT_TRUE(Part("alice", upload, 1, one).ok());
    EXPECT_TRUE(Part("alice", upload, 3, three).ok());
    file::v1::CompleteMultipartUploadResponse done;
    EXPECT_TRUE(
        Complete("alice", upload, {{1, Md5Hex(one)}, {2, Md5Hex(two)}, {3, Md5Hex(three)}}, &done)
            .ok());
    *bytes = one + two + three;
    return done.file().id();
  }

  // How many of the content's shard rows satisfy `where` (SQL over files.shards).
  int64_t ShardRows(const std::string& content_id, const std::string& where) {
    return Count("SELECT count(*) FROM files.shards WHERE content_id = '" + content_id + "' AND " +
                 where);
  }

  FakeAdmin admin_{shards_, 8};
  std::unique_ptr<MaintenanceStore> maintenance_store_;
  std::unique_ptr<ReencodeStore> reencode_store_;
  std::unique_ptr<LiveCodec> live_;
  std::unique_ptr<MaintenanceRunner> runner_;
};

TEST_F(MultipartMaintenanceTest, RepairRebuildsTheShardsOfALostNode) {
  std::string bytes;
  const std::string id = MultipartObject("mp-repair", &bytes);
  ASSERT_EQ(ShardRows(id, "node_id = 'node-0'"), 5);  // one shard per segment
  shards_.Kill("node-0");
  admin_.Down("node-0");
  ASSERT_OK(runner_->Start("repair", "test").status());
  ASSERT_TRUE(datamesh::testing::WaitFor([&] { return ShardRows(id, "node_id = 'node-0'") == 0; },
                                         absl::Seconds(60)));
  // Four shards per segment are left only if node-0's were rebuilt elsewhere.
  shards_.Kill("node-1");
  shards_.Kill("node-2");
  std::string back;
  ASSERT_TRUE(Download("alice", id, &back).ok());
  EXPECT_TRUE(back == bytes);
}

TEST_F(MultipartMaintenanceTest, ScrubReplacesARottenShard) {
  std::string bytes;
  const std::string id = MultipartObject("mp-scrub", &bytes);
  auto segments = store_->GetSegments(id);
  ASSERT_OK(segments);
  ASSERT_EQ(segments->size(), 5u);
  // A shard of part 2's segment rots on node-3.
  const SegmentRecord& seg = (*segments)[2];
  const ShardRecord* rotten = nullptr;
  for (const ShardRecord& s : seg.shards) {
    if (s.node.id == "node-3") rotten = &s;
  }
  ASSERT_NE(rotten, nullptr);
  admin_.Rot(rotten->node, rotten->shard_id);
  auto job = runner_->Start("scrub", "test");
  ASSERT_OK(job);
  ASSERT_TRUE(datamesh::testing::WaitFor(
      [&] {
        auto got = runner_->Get(*job);
        return got.ok() && (got->state == "succeeded" || got->state == "failed");
      },
      absl::Seconds(60)));
  EXPECT_EQ(ShardRows(id, absl::StrCat("segment_idx = ", seg.index, " AND node_id = 'node-3'")), 0);
  // The segment reads from four shards with two more nodes gone: the rebuilt one counts.
  shards_.Kill("node-0");
  shards_.Kill("node-1");
  std::string back;
  ASSERT_TRUE(Download("alice", id, &back).ok());
  EXPECT_TRUE(back == bytes);
}

TEST_F(MultipartMaintenanceTest, ReencodeMovesTheObjectToTheNewShape) {
  std::string bytes;
  const std::string id = MultipartObject("mp-reencode", &bytes);
  ASSERT_OK(live_->Set(3, 3));
  ASSERT_OK(runner_->Start("reencode", "test").status());
  ASSERT_TRUE(datamesh::testing::WaitFor(
      [&] {
        return Count("SELECT count(*) FROM files.contents WHERE id = '" + id +
                     "' AND data_shards = 3 AND parity_shards = 3") == 1;
      },
      absl::Seconds(60)));
  runner_->Stop();
  // 3+3 reads from any three shards; 4+2 could not.
  shards_.Kill("node-0");
  shards_.Kill("node-1");
  shards_.Kill("node-2");
  std::string back;
  ASSERT_TRUE(Download("alice", id, &back).ok());
  EXPECT_TRUE(back == bytes);
}

}  // namespace
}  // namespace datamesh::file_ingest::multipart_testing
