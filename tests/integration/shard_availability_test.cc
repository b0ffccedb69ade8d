// Reads of files whose shards are not all where the manifest says, on the whole local stack
// (six chunk-stores, RS 4+2), through the gateway's REST API as a user meets it:
//   1. a segment written while a store was down (one store holds two of its shards) with that
//      store and one more down: too few shards answer, yet none is lost -- 503
//      STORAGE_UNAVAILABLE ("temporarily unreadable ... retry"), both before and after dht
//      declares the stores down; the same download is byte-identical once the store is back;
//   2. three shards of a segment deleted from live stores (the nodes answer "not held"): lost
//      for good -- 500, as before;
//   3. a shard whose write never landed (its store SIGSTOPped during the upload) recorded
//      `missing` with no node (files.shards.state = 'missing', node_id ''): the file reads
//      byte-identical meanwhile, and repair writes the shard, so every row ends `stored` and
//      the file `healthy`.
// The tests share one stack and run in declaration order; each starts with every store up.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "datamesh/chunk/v1/chunk.grpc.pb.h"
#include "datamesh/dht/v1/dht.grpc.pb.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/wait_for.h"
#include "tests/e2e/e2e_util.h"
#include "tests/integration/rest_client.h"
#include "tests/integration/shard_census.h"

namespace datamesh {
namespace {

using ::datamesh::integration::DownloadOutcome;
using ::datamesh::integration::RestClient;
using ::datamesh::integration::UploadOutcome;
using ::datamesh::testing::RunCommand;
using ::datamesh::testing::TestStack;
using ::datamesh::testing::WaitFor;

constexpr int kChunkStores = 6;
constexpr uint64_t kOneSegment = 3 << 20;  // one 4 MiB segment, well past the inline limit

class ShardAvailabilityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("DM_REPAIR_INTERVAL", "5s", 1);  // read by file-ingest only
    auto stack = TestStack::Start({.services = true, .chunk_stores = kChunkStores});
    ASSERT_OK(stack);
    stack_ = stack->release();
    // A user on the enterprise tier: the polls below make more calls than the free tier's hour.
    RestClient admin(stack_->Env("DM_GATEWAY_URL"), Scratch("admin"));
    const std::string password(
        absl::StripAsciiWhitespace(e2e::ReadFile(stack_->dir() + "/admin-password")));
    e2e::Reply r = admin.Json("POST", "/auth/login",
                              absl::StrCat(R"({"username":"admin","password":")", password, "\"}"));
    ASSERT_EQ(r.code, 200) << r.body;
    admin.set_token(e2e::Str(r.Json(), "token"));
    client_ = new RestClient(stack_->Env("DM_GATEWAY_URL"), Scratch("reader"));
    r = client_->Json("POST", "/auth/register",
                      R"({"username":"reader","email":"reader@example.com",)"
                      R"("password":"correct-horse-1"})");
    ASSERT_EQ(r.code, 201) << r.body;
    const std::string id = e2e::Str(e2e::Obj(r.Json(), "user"), "id");
    r = admin.Json("PUT", "/admin/users/" + id, R"({"tier":"enterprise"})");
    ASSERT_EQ(r.code, 200) << r.body;
    r = client_->Json("POST", "/auth/login",
                      R"({"username":"reader","password":"correct-horse-1"})");
    ASSERT_EQ(r.code, 200) << r.body;
    client_->set_token(e2e::Str(r.Json(), "token"));
    ASSERT_TRUE(WaitFor([] { return UpNodes().size() == kChunkStores; }, absl::Seconds(60)));
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(stack_, nullptr);
    ASSERT_NE(client_, nullptr);
    ASSERT_TRUE(WaitFor([] { return UpNodes().size() == kChunkStores; }, absl::Seconds(60)))
        << "not every chunk-store is up at the start";
  }

  static std::filesystem::path Scratch(const std::string& label) {
    return std::filesystem::path(stack_->dir()) / "rest" / label;
  }
  static std::set<std::string> UpNodes() {
    auto dht = dht::v1::DhtService::NewStub(
        grpc::CreateChannel(stack_->Env("DM_DHT_GRPC_ADDR"), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    dht::v1::ListNodesRequest req;
    req.set_state(dht::v1::NODE_STATE_UP);
    req.mutable_page()->set_limit(1000);
    dht::v1::ListNodesResponse resp;
    std::set<std::string> ids;
    if (!dht->ListNodes(&ctx, req, &resp).ok()) return ids;
    for (const auto& node : resp.nodes()) ids.insert(node.id());
    return ids;
  }
  static int StoreOf(const std::string& node_id) {
    for (int i = 1; i <= kChunkStores; ++i) {
      if (integration::ChunkStoreNodeId(*stack_, i) == node_id) return i;
    }
    return 0;
  }
  static absl::Status Kill(int store) {
    return stack_->Devstack(absl::StrCat("kill-instance chunk-store-", store)).status();
  }
  static absl::Status Restart(int store) {
    return stack_
        ->Devstack(absl::StrCat("start-instance --bin ", TestStack::BinaryDir(),
                                "/bin chunk-store-", store))
        .status();
  }
  static absl::Status Signal(int store, const char* signal) {
    return RunCommand(absl::StrCat("kill -", signal, " \"$(cat '", stack_->dir(),
                                   "/pids/chunk-store-", store, ".pid')\""))
        .status();
  }
  static pqxx::result Sql(const std::string& sql, const std::string& arg) {
    pqxx::connection conn(stack_->pg_url());
    pqxx::work w(conn);
    pqxx::result r = w.exec_params(sql, arg);
    w.commit();
    return r;
  }
  // The manifest rows of segment 0 of file `id`: shard index, shard id, node id, state.
  static pqxx::result Shards(const std::string& id) {
    return Sql(
        "SELECT s.shard_idx, s.shard_id, s.node_id, s.state FROM files.shards s JOIN files.files f "
        "ON f.content_id = s.content_id WHERE f.id = $1 AND s.segment_idx = 0 ORDER BY "
        "s.shard_idx",
        id);
  }
  std::string Upload(const std::string& name, uint64_t seed) {
    const UploadOutcome up = client_->Upload(name, seed, kOneSegment);
    EXPECT_TRUE(up.Acknowledged()) << up.Describe();
    return up.FileField("id");
  }
  DownloadOutcome Download(const std::string& id, uint64_t seed) {
    return client_->Download(id, seed);
  }
  std::string HealthState(const std::string& id) {
    const e2e::Reply r = client_->Json("GET", "/files/" + id + "/health");
    return r.code == 200 ? e2e::Str(r.Json(), "state") : absl::StrCat("HTTP ", r.code);
  }

  static inline TestStack* stack_ = nullptr;
  static inline RestClient* client_ = nullptr;
};

TEST_F(ShardAvailabilityTest, ADoubledUpSegmentWithTwoStoresDownIsTemporarilyUnreadableNotLost) {
  ASSERT_OK(Kill(1));
  const std::string id = Upload("doubled", 11);
  ASSERT_FALSE(id.empty());
  // Six shards on five stores: one of them holds two.
  std::map<std::string, int> per_node;
  for (const auto& row : Shards(id)) ++per_node[row[2].as<std::string>()];
  int doubled = 0, other = 0;
  for (const auto& [node, count] : per_node) {
    const int store = StoreOf(node);
    if (count >= 2 && doubled == 0) {
      doubled = store;
    } else if (other == 0) {
      other = store;
    }
  }
  ASSERT_GT(doubled, 0) << "no store holds two shards of the segment";
  ASSERT_GT(other, 0);
  ASSERT_TRUE(Download(id, 11).Identical(11, kOneSegment));

  // Three of six shards away: fewer than k = 4 answer, none is lost.
  ASSERT_OK(Kill(doubled));
  ASSERT_OK(Kill(other));
  auto temporarily_unreadable = [&](const std::string& when) {
    const DownloadOutcome d = Download(id, 11);
    EXPECT_EQ(d.http_status, 503) << when << ": " << d.Describe();
    EXPECT_NE(d.error_body.find("STORAGE_UNAVAILABLE"), std::string::npos) << d.error_body;
    EXPECT_NE(d.error_body.find("temporarily unreadable"), std::string::npos) << d.error_body;
    EXPECT_NE(d.error_body.find("retry"), std::string::npos) << d.error_body;
  };
  temporarily_unreadable("while dht still lists the stores up");
  ASSERT_TRUE(WaitFor([&] { return UpNodes().size() == kChunkStores - 3; }, absl::Seconds(60)));
  temporarily_unreadable("once dht declared them down");

  // The store holding two shards is back: five of six answer, and the same download works.
  ASSERT_OK(Restart(doubled));
  DownloadOutcome last;
  EXPECT_TRUE(WaitFor(
      [&] {
        last = Download(id, 11);
        return last.Identical(11, kOneSegment);
      },
      absl::Seconds(60)))
      << last.Describe();
  ASSERT_OK(Restart(other));
  ASSERT_OK(Restart(1));
}

TEST_F(ShardAvailabilityTest, ShardsTheirStoresNoLongerHoldAreLostForGood) {
  const std::string id = Upload("lost", 12);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(Download(id, 12).Identical(12, kOneSegment));
  // Three shards gone from stores that are up and answer "not held".
  int deleted = 0;
  for (const auto& row : Shards(id)) {
    if (deleted == 3) break;
    const int store = StoreOf(row[2].as<std::string>());
    ASSERT_GT(store, 0);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    chunk::v1::DeleteShardRequest req;
    req.set_shard_id(row[1].as<std::string>());
    chunk::v1::DeleteShardResponse resp;
    ASSERT_TRUE(integration::ChunkStoreStub(*stack_, store)->DeleteShard(&ctx, req, &resp).ok());
    deleted += resp.deleted() ? 1 : 0;
  }
  ASSERT_EQ(deleted, 3);
  const DownloadOutcome d = Download(id, 12);
  EXPECT_EQ(d.http_status, 500) << d.Describe();
  EXPECT_EQ(d.error_body.find("temporarily unreadable"), std::string::npos) << d.error_body;
}

TEST_F(ShardAvailabilityTest, AShardLeftMissingIsReadAroundAndRepairedIntoPlace) {
  // Stopped, a store keeps its connections open and answers nothing: its shard's write is left
  // running past the write quorum, then fails at its deadline and is recorded missing.
  ASSERT_OK(Signal(6, "STOP"));
  const std::string id = Upload("missing", 13);
  if (id.empty()) {
    ASSERT_OK(Signal(6, "CONT"));
    FAIL() << "the upload with a stopped store failed";
  }
  EXPECT_TRUE(Download(id, 13).Identical(13, kOneSegment));
  bool missing_seen = false;
  EXPECT_TRUE(WaitFor(
      [&] {
        for (const auto& row : Shards(id)) {
          if (row[3].as<std::string>() == "missing" && row[2].as<std::string>().empty()) {
            missing_seen = true;
          }
        }
        return missing_seen;
      },
      absl::Seconds(60), absl::Milliseconds(50)))
      << "no shard of the segment was recorded missing";
  // Read around the missing shard (and the stopped store).
  EXPECT_TRUE(Download(id, 13).Identical(13, kOneSegment));
  ASSERT_OK(Signal(6, "CONT"));

  // Repair writes the shard: every row stored on a node, the file healthy, the bytes the same.
  std::string last;
  EXPECT_TRUE(WaitFor(
      [&] {
        const pqxx::result rows = Shards(id);
        for (const auto& row : rows) {
          if (row[3].as<std::string>() != "stored" || row[2].as<std::string>().empty()) {
            last = absl::StrCat("shard ", row[0].as<int>(), " is ", row[3].as<std::string>());
            return false;
          }
        }
        last = HealthState(id);
        return static_cast<int>(rows.size()) == kChunkStores && last == "healthy";
      },
      absl::Seconds(120)))
      << last;
  EXPECT_TRUE(Download(id, 13).Identical(13, kOneSegment));
}

}  // namespace
}  // namespace datamesh
