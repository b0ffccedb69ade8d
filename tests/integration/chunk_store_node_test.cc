// The real chunk-store binary against real NATS: shards streamed in and out over gRPC, batch
// presence, deletes, stats, node.heartbeat on the bus, and a restart that keeps the node's
// identity and its shards. The test starts the binary itself (port 0; the heartbeat tells the
// address), so it needs only the stack's dependencies.
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>

#include "datamesh/chunk/v1/chunk.grpc.pb.h"
#include "shared/bus/bus.h"
#include "shared/crypto/hash.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"

extern char** environ;

namespace datamesh {
namespace {

namespace fs = std::filesystem;
using chunk::v1::ChunkService;
using ::datamesh::testing::TestStack;

constexpr uint64_t kCapacity = uint64_t{1} << 30;
constexpr size_t kMiB = 1 << 20;

// One chunk-store process; SIGTERM and reaped on Stop or destruction.
class ChunkStoreProcess {
 public:
  ChunkStoreProcess(const std::string& nats_url, const fs::path& dir, const std::string& instance) {
    const std::string bin = TestStack::BinaryDir() + "/bin/chunk-store";
    std::vector<std::string> args = {bin,
                                     "--data-dir=" + (dir / "data").string(),
                                     "--zone=zone-t",
                                     "--capacity-bytes=" + std::to_string(kCapacity),
                                     "--grpc-addr=127.0.0.1:0",
                                     "--metrics-addr=127.0.0.1:0",
                                     "--nats-url=" + nats_url,
                                     "--instance-id=" + instance,
                                     "--heartbeat-interval=200ms",
                                     "--shutdown-grace=2s"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log = (dir / (instance + ".log")).string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (posix_spawn(&pid_, bin.c_str(), &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~ChunkStoreProcess() { Stop(); }
  bool started() const { return pid_ > 0; }
  // SIGTERM, then waits; returns the exit code (-1 if not exited normally).
  int Stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
};

class ChunkStoreNodeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto stack = TestStack::Start();
    ASSERT_OK(stack);
    stack_ = stack->release();
    bus::BusOptions options{.url = stack_->nats_url(), .client_name = "chunk-store-node-test"};
    auto bus = bus::Bus::Connect(options);
    ASSERT_OK(bus);
    bus_ = bus->release();
    dir_ = fs::path(stack_->dir()) / "chunk-store-node-test";
    fs::create_directories(dir_);
    auto sub = bus_->SubscribeEvents(bus::SubjectFor("node.heartbeat"), "",
                                     [](const events::v1::Event& e) {
                                       std::lock_guard<std::mutex> lock(mu_);
                                       beats_.push_back(e);
                                       cv_.notify_all();
                                     });
    ASSERT_OK(sub);
    sub_ = sub->release();
    StartNode();
  }
  static void TearDownTestSuite() {
    delete node_;
    delete sub_;
    delete bus_;
    delete stack_;
  }

  static void StartNode() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      beats_.clear();
    }
    node_ = new ChunkStoreProcess(stack_->nats_url(), dir_, "chunk-store-it");
    ASSERT_TRUE(node_->started());
    events::v1::NodeHeartbeat beat = WaitForBeat([](const auto&) { return true; });
    ASSERT_FALSE(beat.address().empty());
    stub_ = ChunkService::NewStub(
        grpc::CreateChannel(beat.address(), grpc::InsecureChannelCredentials()));
  }

  // The first heartbeat of our instance accepted by `pred`, waiting up to a generous bound.
  static events::v1::NodeHeartbeat WaitForBeat(
      const std::function<bool(const events::v1::NodeHeartbeat&)>& pred) {
    std::unique_lock<std::mutex> lock(mu_);
    events::v1::NodeHeartbeat found;
    bool ok = cv_.wait_for(lock, std::chrono::seconds(60), [&] {
      for (const events::v1::Event& e : beats_) {
        if (e.source() == "chunk-store/chunk-store-it" && e.has_node_heartbeat() &&
            pred(e.node_heartbeat())) {
          found = e.node_heartbeat();
          return true;
        }
      }
      return false;
    });
    EXPECT_TRUE(ok) << "no matching node.heartbeat; see " << dir_ / "chunk-store-it.log";
    return found;
  }

  static std::string NodeIdOnDisk() {
    std::ifstream in(dir_ / "data" / "node_id");
    std::string id;
    in >> id;
    return id;
  }

  static grpc::Status Put(const std::string& id, std::string_view content, uint64_t size,
                          chunk::v1::PutShardResponse* response) {
    grpc::ClientContext ctx;
    auto writer = stub_->PutShard(&ctx, response);
    chunk::v1::PutShardRequest request;
    request.mutable_header()->set_shard_id(id);
    request.mutable_header()->set_size(size);
    size_t pos = 0;
    do {  // the header travels with the first MiB
      size_t n = std::min(kMiB, content.size() - pos);
      request.set_data(std::string(content.substr(pos, n)));
      if (!writer->Write(request)) break;
      request.clear_header();
      pos += n;
    } while (pos < content.size());
    writer->WritesDone();
    return writer->Finish();
  }

  // Reads [offset, offset+length) (or to the end); checks the framing of every message.
  static grpc::Status Get(const std::string& id, uint64_t offset, std::optional<uint64_t> length,
                          std::string* out, uint64_t* total_size) {
    grpc::ClientContext ctx;
    chunk::v1::GetShardRequest request;
    request.set_shard_id(id);
    request.set_offset(offset);
    if (length) request.set_length(*length);
    auto reader = stub_->GetShard(&ctx, request);
    chunk::v1::GetShardResponse response;
    bool first = true;
    while (reader->Read(&response)) {
      EXPECT_LE(response.data().size(), kMiB);
      if (first) *total_size = response.total_size();
      first = false;
      out->append(response.data());
    }
    return reader->Finish();
  }

  static chunk::v1::StatsResponse Stats() {
    grpc::ClientContext ctx;
    chunk::v1::StatsResponse stats;
    EXPECT_TRUE(stub_->Stats(&ctx, chunk::v1::StatsRequest(), &stats).ok());
    return stats;
  }

  static std::vector<bool> Has(const std::vector<std::string>& ids, grpc::Status* status) {
    grpc::ClientContext ctx;
    chunk::v1::HasShardsRequest request;
    for (const std::string& id : ids) request.add_shard_ids(id);
    chunk::v1::HasShardsResponse response;
    *status = stub_->HasShards(&ctx, request, &response);
    return {response.present().begin(), response.present().end()};
  }

  static std::string RandomBytes(size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::string out(n, '\0');
    for (size_t i = 0; i + 8 <= n; i += 8) {
      uint64_t v = rng();
      std::memcpy(out.data() + i, &v, 8);
    }
    return out;
  }

  static TestStack* stack_;
  static bus::Bus* bus_;
  static bus::Subscription* sub_;
  static fs::path dir_;
  static ChunkStoreProcess* node_;
  static std::unique_ptr<ChunkService::Stub> stub_;
  static std::mutex mu_;
  static std::condition_variable cv_;
  static std::vector<events::v1::Event> beats_;
};

TestStack* ChunkStoreNodeTest::stack_ = nullptr;
bus::Bus* ChunkStoreNodeTest::bus_ = nullptr;
bus::Subscription* ChunkStoreNodeTest::sub_ = nullptr;
fs::path ChunkStoreNodeTest::dir_;
ChunkStoreProcess* ChunkStoreNodeTest::node_ = nullptr;
std::unique_ptr<ChunkService::Stub> ChunkStoreNodeTest::stub_;
std::mutex ChunkStoreNodeTest::mu_;
std::condition_variable ChunkStoreNodeTest::cv_;
std::vector<events::v1::Event> ChunkStoreNodeTest::beats_;

TEST_F(ChunkStoreNodeTest, HeartbeatAndStatsCarryThePersistentNodeId) {
  const std::string id = NodeIdOnDisk();
  ASSERT_EQ(id.size(), 64u);
  events::v1::NodeHeartbeat beat = WaitForBeat([](const auto&) { return true; });
  EXPECT_EQ(beat.node_id(), id);
  EXPECT_EQ(beat.zone(), "zone-t");
  EXPECT_EQ(beat.capacity_bytes(), kCapacity);
  EXPECT_EQ(beat.health(), events::v1::NODE_HEALTH_OK);
  chunk::v1::StatsResponse stats = Stats();
  EXPECT_EQ(stats.node_id(), id);
  EXPECT_EQ(stats.address(), beat.address());
  EXPECT_EQ(stats.capacity_bytes(), kCapacity);
}

TEST_F(ChunkStoreNodeTest, StreamsA20MiBShardInAndOut) {
  const std::string content = RandomBytes(20 * kMiB, 7);
  const std::string id = *crypto::Sha256Hex(content);
  const chunk::v1::StatsResponse before = Stats();
  chunk::v1::PutShardResponse put;
  ASSERT_TRUE(Put(id, content, content.size(), &put).ok());
  EXPECT_EQ(put.shard_id(), id);
  EXPECT_EQ(put.size(), content.size());
  EXPECT_FALSE(put.already_present());
  ASSERT_TRUE(Put(id, content, content.size(), &put).ok());
  EXPECT_TRUE(put.already_present());

  std::string whole;
  uint64_t total = 0;
  ASSERT_TRUE(Get(id, 0, std::nullopt, &whole, &total).ok());
  EXPECT_EQ(total, content.size());
  EXPECT_TRUE(whole == content) << "round trip differs";
  std::string range;
  ASSERT_TRUE(Get(id, 5 * kMiB + 3, kMiB + 7, &range, &total).ok());
  EXPECT_TRUE(range == content.substr(5 * kMiB + 3, kMiB + 7));
  std::string tail;
  ASSERT_TRUE(Get(id, content.size() - 10, 1000, &tail, &total).ok());
  EXPECT_EQ(tail, content.substr(content.size() - 10));
  std::string none;
  EXPECT_EQ(Get(id, content.size() + 1, std::nullopt, &none, &total).error_code(),
            grpc::StatusCode::OUT_OF_RANGE);

  const chunk::v1::StatsResponse after = Stats();
  EXPECT_EQ(after.shard_count(), before.shard_count() + 1);
  EXPECT_EQ(after.used_bytes(), before.used_bytes() + content.size());
  WaitForBeat([&](const auto& b) { return b.used_bytes() == after.used_bytes(); });

  const std::string missing = *crypto::Sha256Hex("never stored");
  grpc::Status status;
  EXPECT_EQ(Has({id, missing}, &status), (std::vector<bool>{true, false}));
  EXPECT_TRUE(status.ok());
  Has({id, "../etc/passwd"}, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Get(missing, 0, std::nullopt, &none, &total).error_code(), grpc::StatusCode::NOT_FOUND);

  grpc::ClientContext ctx;
  chunk::v1::DeleteShardRequest del;
  del.set_shard_id(id);
  chunk::v1::DeleteShardResponse deleted;
  ASSERT_TRUE(stub_->DeleteShard(&ctx, del, &deleted).ok());
  EXPECT_TRUE(deleted.deleted());
  EXPECT_EQ(Has({id}, &status), std::vector<bool>{false});
  EXPECT_EQ(Stats().used_bytes(), before.used_bytes());
}

TEST_F(ChunkStoreNodeTest, RefusesContentThatDoesNotMatchItsIdOrSize) {
  const std::string content = RandomBytes(3 * kMiB, 11);
  const std::string id = *crypto::Sha256Hex(content);
  std::string tampered = content;
  tampered[2 * kMiB] ^= 0x40;
  chunk::v1::PutShardResponse put;
  EXPECT_EQ(Put(id, tampered, tampered.size(), &put).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Put(id, content, content.size() + 1, &put).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Put(id, content, 2 * kCapacity, &put).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  grpc::Status status;
  EXPECT_EQ(Has({id}, &status), std::vector<bool>{false});
  EXPECT_TRUE(fs::is_empty(dir_ / "data" / "tmp"));
}

// Runs last (declaration order): it restarts the node.
TEST_F(ChunkStoreNodeTest, ARestartKeepsTheNodeIdAndTheShards) {
  const std::string content = RandomBytes(2 * kMiB + 5, 13);
  const std::string id = *crypto::Sha256Hex(content);
  chunk::v1::PutShardResponse put;
  ASSERT_TRUE(Put(id, content, content.size(), &put).ok());
  const std::string node_id = Stats().node_id();
  const uint64_t shards = Stats().shard_count();

  EXPECT_EQ(node_->Stop(), 0);
  delete node_;
  node_ = nullptr;
  StartNode();

  events::v1::NodeHeartbeat beat = WaitForBeat([](const auto&) { return true; });
  EXPECT_EQ(beat.node_id(), node_id);
  EXPECT_EQ(beat.shard_count(), shards);
  EXPECT_EQ(Stats().node_id(), node_id);
  std::string back;
  uint64_t total = 0;
  ASSERT_TRUE(Get(id, 0, std::nullopt, &back, &total).ok());
  EXPECT_TRUE(back == content);
}

}  // namespace
}  // namespace datamesh
