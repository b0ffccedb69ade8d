// Degraded writes on the whole local stack with six chunk-stores (RS 4+2 wants six distinct
// nodes): with one chunk-store SIGKILLed -- at once, before dht declares it down -- and then a
// second, uploads still succeed with some nodes holding two shards of a segment (each segment
// survives one more loss) and download byte-identical; once both are back, repair's spread
// pass gives every shard its own node again and every file is "healthy".
//
// file-ingest runs with a short --repair-interval (DM_REPAIR_INTERVAL), so a spread move that
// failed because a channel to a restarted store was still reconnecting is retried soon.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "datamesh/chunk/v1/chunk.grpc.pb.h"
#include "datamesh/dht/v1/dht.grpc.pb.h"
#include "datamesh/file/v1/file.grpc.pb.h"
#include "shared/crypto/random.h"
#include "shared/crypto/x25519.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/wait_for.h"

namespace datamesh {
namespace {

using ::datamesh::testing::RunCommand;
using ::datamesh::testing::TestStack;
using ::datamesh::testing::WaitFor;
using file::v1::FileService;

constexpr int kChunkStores = 6;
constexpr size_t kFileBytes = (8 << 20) + 5;  // three 4 MiB segments

template <typename Service>
std::unique_ptr<typename Service::Stub> NewStub(const std::string& address) {
  return Service::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

// A loopback port nothing listens on now (the kernel's pick for port 0).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::chrono::system_clock::time_point In(int seconds) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

struct Stored {
  std::string id;
  std::string content;
};

class DegradedWritesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("DM_REPAIR_INTERVAL", "5s", 1);  // read by file-ingest only
    auto stack = TestStack::Start({.services = true, .chunk_stores = kChunkStores});
    ASSERT_OK(stack);
    stack_ = stack->release();
    auto key = crypto::X25519PrivateKey::Generate();
    ASSERT_OK(key);
    public_key_ = key->public_key();
    private_key_ = std::string(key->ToBytes().value().view());
    ASSERT_TRUE(WaitFor([] { return UpNodeIds().size() == kChunkStores; }, absl::Seconds(60)));
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(stack_, nullptr);
    files_ = NewStub<FileService>(stack_->Env("DM_FILE_INGEST_GRPC_ADDR"));
  }

  static std::set<std::string> UpNodeIds() {
    auto dht = NewStub<dht::v1::DhtService>(stack_->Env("DM_DHT_GRPC_ADDR"));
    grpc::ClientContext ctx;
    ctx.set_deadline(In(5));
    dht::v1::ListNodesRequest req;
    req.set_state(dht::v1::NODE_STATE_UP);
    req.mutable_page()->set_limit(1000);
    dht::v1::ListNodesResponse resp;
    std::set<std::string> ids;
    if (!dht->ListNodes(&ctx, req, &resp).ok()) return ids;
    for (const auto& node : resp.nodes()) ids.insert(node.id());
    return ids;
  }
  static std::string NodeId(int store) {
    auto chunk = NewStub<chunk::v1::ChunkService>(
        stack_->Env(absl::StrCat("DM_CHUNK_STORE_", store, "_GRPC_ADDR")));
    grpc::ClientContext ctx;
    ctx.set_deadline(In(5));
    chunk::v1::StatsResponse resp;
    EXPECT_TRUE(chunk->Stats(&ctx, chunk::v1::StatsRequest(), &resp).ok());
    return resp.node_id();
  }
  static absl::Status Kill(int store) {
    return stack_->Devstack(absl::StrCat("kill-instance chunk-store-", store)).status();
  }
  // TestStack::Devstack appends --dir after the name, which start-instance would not accept.
  // `extra` (e.g. "--grpc-addr 127.0.0.1:N") goes to the store and wins over its old flags.
  static absl::Status Restart(int store, const std::string& extra = "") {
    return RunCommand(absl::StrCat(TestStack::SourceDir(),
                                   "/tools/devstack/devstack start-instance --dir '", stack_->dir(),
                                   "' --bin '", TestStack::BinaryDir(), "/bin' chunk-store-",
                                   store, extra.empty() ? "" : " -- ", extra))
        .status();
  }
  // SIGSTOP / SIGCONT to a store: alive, listening, and answering nothing.
  static absl::Status Signal(int store, const char* signal) {
    return RunCommand(absl::StrCat("kill -", signal, " \"$(cat '", stack_->dir(),
                                   "/pids/chunk-store-", store, ".pid')\""))
        .status();
  }
  // A sample of file-ingest's /metrics, 0 when absent.
  static double Metric(const std::string& series) {
    auto out = RunCommand(absl::StrCat("curl -sf http://",
                                       stack_->Env("DM_FILE_INGEST_METRICS_ADDR"), "/metrics"));
    if (!out.ok()) return 0;
    const std::string prefix = series + " ";
    size_t at = out->find("\n" + prefix);
    if (at == std::string::npos) return 0;
    return std::strtod(out->c_str() + at + 1 + prefix.size(), nullptr);
  }
  static std::string NodeAddress(const std::string& id) {
    auto dht = NewStub<dht::v1::DhtService>(stack_->Env("DM_DHT_GRPC_ADDR"));
    grpc::ClientContext ctx;
    ctx.set_deadline(In(5));
    dht::v1::GetNodeRequest req;
    req.set_node_id(id);
    dht::v1::GetNodeResponse resp;
    if (!dht->GetNode(&ctx, req, &resp).ok()) return "";
    return resp.node().address();
  }
  bool AllHealthy(std::string* last) {
    for (const Stored& f : stored_) {
      const file::v1::GetHealthResponse h = Health(f);
      if (h.state() != "healthy") {
        *last = absl::StrCat(f.id, " is ", h.state());
        return false;
      }
    }
    return true;
  }

  // One attempt, no retry: a degraded write must succeed the first time.
  Stored Upload(const std::string& name) {
    Stored f{"", crypto::RandomBytes(kFileBytes).value()};
    grpc::ClientContext ctx;
    ctx.set_deadline(In(60));
    file::v1::UploadResponse resp;
    auto writer = files_->Upload(&ctx, &resp);
    file::v1::UploadRequest req;
    req.mutable_header()->set_owner_id("degraded-owner");
    req.mutable_header()->set_name(name);
    req.mutable_header()->set_owner_public_key(public_key_);
    req.mutable_header()->set_declared_size(f.content.size());
    bool open = writer->Write(req);
    for (size_t at = 0; open && at < f.content.size(); at += 1 << 20) {
      file::v1::UploadRequest chunk;
      chunk.set_chunk(f.content.substr(at, 1 << 20));
      open = writer->Write(chunk);
    }
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    EXPECT_TRUE(s.ok()) << name << ": " << s.error_code() << " " << s.error_message();
    if (s.ok()) f.id = resp.file().id();
    return f;
  }
  ::testing::AssertionResult DownloadMatches(const Stored& f) {
    grpc::ClientContext ctx;
    ctx.set_deadline(In(60));
    file::v1::DownloadRequest req;
    req.set_owner_id("degraded-owner");
    req.set_file_id(f.id);
    req.set_private_key(private_key_);
    auto reader = files_->Download(&ctx, req);
    file::v1::DownloadResponse msg;
    std::string got;
    while (reader->Read(&msg)) got += msg.chunk();
    grpc::Status s = reader->Finish();
    if (!s.ok()) return ::testing::AssertionFailure() << f.id << ": " << s.error_message();
    if (got != f.content) return ::testing::AssertionFailure() << f.id << ": bytes differ";
    return ::testing::AssertionSuccess();
  }
  file::v1::GetHealthResponse Health(const Stored& f) {
    grpc::ClientContext ctx;
    ctx.set_deadline(In(10));
    file::v1::GetHealthRequest req;
    req.set_owner_id("degraded-owner");
    req.set_file_id(f.id);
    file::v1::GetHealthResponse health;
    EXPECT_TRUE(files_->GetHealth(&ctx, req, &health).ok());
    return health;
  }
  // Uploads `count` files, each of which must download byte-identical and survive one more
  // node loss ("degraded" when a node holds two shards of a segment).
  void UploadSurvivingOneLoss(const std::string& prefix, int count) {
    for (int i = 0; i < count; ++i) {
      Stored f = Upload(absl::StrCat(prefix, "/", i));
      if (f.id.empty()) continue;
      EXPECT_TRUE(DownloadMatches(f));
      const file::v1::GetHealthResponse h = Health(f);
      EXPECT_TRUE(h.state() == "degraded" || h.state() == "healthy") << h.state();
      EXPECT_GE(h.min_node_losses_tolerated(), 1) << f.id;
      degraded_ += h.state() == "degraded" ? 1 : 0;
      stored_.push_back(std::move(f));
    }
  }

  static inline TestStack* stack_ = nullptr;
  static inline std::string public_key_;
  static inline std::string private_key_;
  std::unique_ptr<FileService::Stub> files_;
  // Every file stored by the suite's tests, so later tests check the earlier ones too.
  static inline std::vector<Stored> stored_;
  int degraded_ = 0;  // uploads that doubled up shards
};

TEST_F(DegradedWritesTest, UploadsGoOnWithOneAndTwoStoresDownAndSpreadOutOnceBack) {
  const std::string first = NodeId(1), second = NodeId(2);
  ASSERT_FALSE(first.empty());
  ASSERT_OK(Kill(1));
  // dht still lists the dead store (it waits 15 s for heartbeats): placement picks it, its
  // PUTs fail and its shards double up on the live nodes of the segment.
  UploadSurvivingOneLoss("one-down", 3);
  EXPECT_TRUE(UpNodeIds().count(first)) << "dht declared the store down before the uploads ran";

  ASSERT_OK(Kill(2));
  UploadSurvivingOneLoss("two-down", 2);
  // Once dht knows, placement returns the four live stores only (2-2-1-1).
  ASSERT_TRUE(WaitFor([&] { return !UpNodeIds().count(first) && !UpNodeIds().count(second); },
                      absl::Seconds(40)));
  UploadSurvivingOneLoss("declared-down", 1);
  for (const Stored& f : stored_) EXPECT_TRUE(DownloadMatches(f));
  // Six stores with one or two gone: every segment had to double up somewhere.
  EXPECT_EQ(degraded_, 6);

  ASSERT_OK(Restart(1));
  ASSERT_OK(Restart(2));
  // node.up starts spread passes (and --repair-interval repeats them): every doubled-up shard
  // moves to a node its segment does not use.
  std::string last;
  EXPECT_TRUE(WaitFor([&] { return AllHealthy(&last); }, absl::Seconds(90))) << last;
  for (const Stored& f : stored_) EXPECT_TRUE(DownloadMatches(f));
}

// A store that answers nothing (SIGSTOP: its connections stay open, unlike a dead one's):
// segments do not wait for its writes past the quorum and a short grace, the files are
// readable at once and "degraded" (a shard still being written does not count), and once the
// store resumes the writes left running land (or repair writes those shards): every file is
// "healthy" again.
TEST_F(DegradedWritesTest, AStoppedStoreDoesNotHoldUploadsBackAndItsShardsLandWhenItResumes) {
  std::string last;
  ASSERT_TRUE(WaitFor([&] { return AllHealthy(&last); }, absl::Seconds(90))) << last;
  const double left_before = Metric(
      "datamesh_file_ingest_late_shard_writes_total{outcome=\"left_running\"}");
  const size_t before = stored_.size();
  ASSERT_OK(Signal(3, "STOP"));
  // Uploads only while it is stopped: well inside the dht's 15 s heartbeat timeout and the
  // writes' 10 s deadline, so the stopped store is still placed and its writes still run.
  std::vector<Stored> uploaded;
  for (int i = 0; i < 3; ++i) uploaded.push_back(Upload(absl::StrCat("stopped/", i)));
  // Every segment placed a shard on the stopped store (six stores, six shards) and left it
  // running: three files of three segments.
  const double left = Metric(
      "datamesh_file_ingest_late_shard_writes_total{outcome=\"left_running\"}") - left_before;
  for (Stored& f : uploaded) {
    if (f.id.empty()) continue;
    const file::v1::GetHealthResponse h = Health(f);
    EXPECT_EQ(h.state(), "degraded") << f.id;
    EXPECT_GE(h.min_node_losses_tolerated(), 1) << f.id;
    stored_.push_back(std::move(f));
  }
  ASSERT_OK(Signal(3, "CONT"));
  EXPECT_EQ(left, 9) << "shard writes left running";
  EXPECT_EQ(stored_.size(), before + 3);
  EXPECT_TRUE(WaitFor([&] { return AllHealthy(&last); }, absl::Seconds(90))) << last;
  const double ended =
      Metric("datamesh_file_ingest_late_shard_writes_total{outcome=\"stored\"}") +
      Metric("datamesh_file_ingest_late_shard_writes_total{outcome=\"missing\"}");
  EXPECT_GE(ended, 9) << "late writes whose end was recorded";
  for (const Stored& f : stored_) EXPECT_TRUE(DownloadMatches(f));
}

// Manifests name nodes by id: a store that comes back on another port (a rescheduled pod) is
// read at its new address. Then, with two other stores down, every segment needs the moved
// store's shard, so each download proves it was read there.
TEST_F(DegradedWritesTest, AStoreBackOnAnotherAddressIsReadThere) {
  std::string last;
  ASSERT_TRUE(WaitFor([&] { return AllHealthy(&last); }, absl::Seconds(90))) << last;
  ASSERT_FALSE(stored_.empty());
  const std::string moved = NodeId(4);
  const std::string old_address = NodeAddress(moved);
  ASSERT_FALSE(old_address.empty());
  const int port = FreePort();
  ASSERT_GT(port, 0);
  const std::string new_address = absl::StrCat("127.0.0.1:", port);
  ASSERT_OK(Kill(4));
  ASSERT_OK(Restart(4, "--grpc-addr " + new_address));
  ASSERT_TRUE(WaitFor([&] { return NodeAddress(moved) == new_address; }, absl::Seconds(30)))
      << "dht still lists " << NodeAddress(moved);
  // file-ingest looks the node up again when a call to its old address fails (at most every
  // 250 ms per node). With every other store up, such a first failure is covered by parity:
  // these downloads are identical whatever file-ingest knew before.
  absl::SleepFor(absl::Milliseconds(300));
  for (const Stored& f : stored_) EXPECT_TRUE(DownloadMatches(f));
  ASSERT_OK(Kill(1));
  ASSERT_OK(Kill(2));
  for (const Stored& f : stored_) EXPECT_TRUE(DownloadMatches(f));
  ASSERT_OK(Restart(1));
  ASSERT_OK(Restart(2));
  EXPECT_TRUE(WaitFor([&] { return AllHealthy(&last); }, absl::Seconds(90))) << last;
}

}  // namespace
}  // namespace datamesh
