// The dht binary against real NATS (JetStream) and PostgreSQL: two replicas build their
// membership from node.heartbeat events of eight fake storage nodes in three zones, place
// shards over the zones, declare a silent node down (exactly one node.down between them) and up
// again when it returns, and a restarted replica knows the nodes from PostgreSQL before any
// heartbeat arrives.
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "datamesh/dht/v1/dht.grpc.pb.h"
#include "shared/bus/bus.h"
#include "shared/server/health_client.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"

extern char** environ;

namespace datamesh {
namespace {

using ::datamesh::testing::TestStack;

constexpr int kNodes = 8;
constexpr auto kWait = std::chrono::seconds(60);  // only bounds how long a failure takes

std::string NodeIdHex(int i) {
  std::string id(64, '0');
  const char* digits = "0123456789abcdef";
  // Spread ids over the space: the top nibble differs per node, a tag at the end too.
  id[0] = digits[(i * 5 + 3) % 16];
  id[1] = digits[(i * 11 + 7) % 16];
  id[63] = digits[i % 16];
  return id;
}
std::string Zone(int i) { return "zone-" + std::to_string(i % 3 + 1); }

// A dht process started with the stack's dependencies; SIGTERM on Stop or destruction.
class DhtProcess {
 public:
  DhtProcess(const TestStack& stack, const std::string& instance) : instance_(instance) {
    const std::string bin = TestStack::BinaryDir() + "/bin/dht";
    const std::string log = stack.dir() + "/logs/" + instance + ".log";
    std::vector<std::string> args = {bin,
                                     "--grpc-addr=127.0.0.1:0",
                                     "--metrics-addr=127.0.0.1:0",
                                     "--nats-url=" + stack.nats_url(),
                                     "--pg-url=" + stack.pg_url(),
                                     "--instance-id=" + instance,
                                     "--heartbeat-interval=300ms",
                                     "--node-timeout=2s",
                                     "--membership-flush-interval=500ms",
                                     // Membership is the subject here, not governance.
                                     "--node-admission=off"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    EXPECT_EQ(posix_spawn(&pid_, bin.c_str(), &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
  }
  ~DhtProcess() { Stop(); }
  // SIGTERM and wait; the exit code (-1 if it did not exit normally).
  int Stop() {
    if (pid_ <= 0) return exit_code_;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return exit_code_;
  }
  const std::string& instance() const { return instance_; }

 private:
  std::string instance_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

class DhtMembershipTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto stack = TestStack::Start();
    ASSERT_OK(stack);
    stack_ = std::move(*stack);
  }
  static void TearDownTestSuite() { stack_.reset(); }

  void SetUp() override {
    ASSERT_NE(stack_, nullptr);
    bus::BusOptions options;
    options.url = stack_->nats_url();
    options.client_name = "dht-membership-test";
    auto bus = bus::Bus::Connect(options);
    ASSERT_OK(bus);
    bus_ = std::move(*bus);
    auto events = bus_->SubscribeEvents("dm.v1.>", "", [this](const events::v1::Event& e) {
      std::lock_guard<std::mutex> lock(mu_);
      if (e.has_service_heartbeat() && e.service_heartbeat().service() == "dht" &&
          e.service_heartbeat().serving()) {
        addresses_[e.service_heartbeat().instance_id()] = e.service_heartbeat().grpc_address();
      } else if (e.has_node_up() || e.has_node_down()) {
        node_events_.push_back(e);
      } else {
        return;
      }
      cv_.notify_all();
    });
    ASSERT_OK(events);
    events_ = std::move(*events);
    beater_ = std::thread([this] { BeatLoop(); });
  }

  void TearDown() override {
    stop_beats_ = true;
    if (beater_.joinable()) beater_.join();
    events_.reset();
    bus_.reset();
  }

  // Publishes a heartbeat for every node not silenced, every 200 ms.
  void BeatLoop() {
    while (!stop_beats_) {
      std::set<int> silenced;
      {
        std::lock_guard<std::mutex> lock(mu_);
        silenced = silenced_;
      }
      for (int i = 0; i < kNodes; ++i) {
        if (silenced.count(i) || all_silent_) continue;
        events::v1::Event e =
            bus::NewEvent("node.heartbeat", "chunk-store/fake-" + std::to_string(i));
        events::v1::NodeHeartbeat* hb = e.mutable_node_heartbeat();
        hb->set_node_id(NodeIdHex(i));
        hb->set_address("127.0.0.1:" + std::to_string(17000 + i));
        hb->set_zone(Zone(i));
        hb->set_capacity_bytes(1'000'000'000);
        hb->set_used_bytes(1000 + i);
        hb->set_shard_count(10 + i);
        hb->set_health(events::v1::NODE_HEALTH_OK);
        EXPECT_OK(bus_->PublishEvent(e));
      }
      std::unique_lock<std::mutex> lock(mu_);
      beat_cv_.wait_for(lock, std::chrono::milliseconds(200),
                        [this] { return stop_beats_.load(); });
    }
  }

  std::unique_ptr<dht::v1::DhtService::Stub> Connect(const std::string& instance) {
    std::unique_lock<std::mutex> lock(mu_);
    EXPECT_TRUE(cv_.wait_for(lock, kWait, [&] { return addresses_.count(instance) > 0; }))
        << instance << " never reported serving";
    const std::string addr = addresses_[instance];
    lock.unlock();
    EXPECT_OK(server::HealthClient(addr).WaitUntilServing("", absl::Seconds(30)));
    return dht::v1::DhtService::NewStub(
        grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()));
  }

  // Number of recorded events of `type` for node `i` matching `pred`.
  template <typename Pred>
  int CountEvents(const std::string& type, int i, Pred pred) {
    int count = 0;
    for (const auto& e : node_events_) {
      if (e.type() != type) continue;
      const std::string& id = e.has_node_up() ? e.node_up().node_id() : e.node_down().node_id();
      if (id == NodeIdHex(i) && pred(e)) ++count;
    }
    return count;
  }
  template <typename Pred>
  bool WaitForEvent(const std::string& type, int i, Pred pred) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return CountEvents(type, i, pred) > 0; });
  }

  static std::unique_ptr<TestStack> stack_;
  std::unique_ptr<bus::Bus> bus_;
  std::unique_ptr<bus::Subscription> events_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable beat_cv_;
  std::map<std::string, std::string> addresses_;
  std::vector<events::v1::Event> node_events_;
  std::set<int> silenced_;  // guarded by mu_
  std::atomic<bool> all_silent_{false};
  std::atomic<bool> stop_beats_{false};
  std::thread beater_;
};
std::unique_ptr<TestStack> DhtMembershipTest::stack_;

dht::v1::PlaceResponse Place(dht::v1::DhtService::Stub& stub, const std::string& key, int n,
                             grpc::Status* status, bool allow_fewer = false) {
  grpc::ClientContext ctx;
  dht::v1::PlaceRequest request;
  request.set_key(key);
  request.set_n(n);
  request.set_allow_fewer(allow_fewer);
  dht::v1::PlaceResponse response;
  *status = stub.Place(&ctx, request, &response);
  return response;
}

dht::v1::Node GetNode(dht::v1::DhtService::Stub& stub, int i) {
  grpc::ClientContext ctx;
  dht::v1::GetNodeRequest request;
  request.set_node_id(NodeIdHex(i));
  dht::v1::GetNodeResponse response;
  EXPECT_TRUE(stub.GetNode(&ctx, request, &response).ok()) << i;
  return response.node();
}

std::string Key(int k) {
  std::string key(64, 'a');
  key[0] = "0123456789abcdef"[k % 16];
  key[1] = "0123456789abcdef"[(k / 16) % 16];
  return key;
}

TEST_F(DhtMembershipTest, MembershipPlacementDownUpAndRestart) {
  auto a = std::make_unique<DhtProcess>(*stack_, "dht-a");
  auto b = std::make_unique<DhtProcess>(*stack_, "dht-b");
  auto stub_a = Connect("dht-a");
  auto stub_b = Connect("dht-b");

  // Every node joins: one node.up (first_seen) each, whichever replica wins.
  for (int i = 0; i < kNodes; ++i) {
    ASSERT_TRUE(WaitForEvent("node.up", i, [](const auto& e) { return e.node_up().first_seen(); }))
        << "no node.up for node " << i;
  }
  // Both replicas must have heard every node themselves before their answers can agree.
  for (auto* stub : {stub_a.get(), stub_b.get()}) {
    for (int i = 0; i < kNodes; ++i) {
      for (int tries = 0; tries < 600 && GetNode(*stub, i).state() != dht::v1::NODE_STATE_UP;
           ++tries) {
        absl::SleepFor(absl::Milliseconds(50));
      }
      EXPECT_EQ(GetNode(*stub, i).state(), dht::v1::NODE_STATE_UP) << i;
    }
  }

  // Place spreads six shards over the three zones (3+3+2 nodes): two per zone, and both
  // replicas answer the same.
  for (int k = 0; k < 20; ++k) {
    grpc::Status status;
    auto placed = Place(*stub_a, Key(k), 6, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(placed.nodes_size(), 6);
    std::map<std::string, int> zones;
    for (const auto& node : placed.nodes()) ++zones[node.zone()];
    EXPECT_EQ(zones.size(), 3u);
    for (const auto& [zone, count] : zones) EXPECT_EQ(count, 2) << zone;
    auto again = Place(*stub_b, Key(k), 6, &status);
    ASSERT_TRUE(status.ok());
    ASSERT_EQ(again.nodes_size(), placed.nodes_size());
    for (int j = 0; j < placed.nodes_size(); ++j) {
      EXPECT_EQ(again.nodes(j).id(), placed.nodes(j).id()) << "replicas disagree on key " << k;
    }
  }

  // Node 5 falls silent: node.down, then Place avoids it.
  constexpr int kVictim = 5;
  {
    std::lock_guard<std::mutex> lock(mu_);
    silenced_.insert(kVictim);
  }
  ASSERT_TRUE(WaitForEvent("node.down", kVictim, [](const auto& e) {
    return e.node_down().zone() == Zone(kVictim) && e.node_down().has_last_seen();
  }));
  for (auto* stub : {stub_a.get(), stub_b.get()}) {
    for (int tries = 0; tries < 600 && GetNode(*stub, kVictim).state() != dht::v1::NODE_STATE_DOWN;
         ++tries) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    EXPECT_EQ(GetNode(*stub, kVictim).state(), dht::v1::NODE_STATE_DOWN);
  }
  for (int k = 0; k < 20; ++k) {
    grpc::Status status;
    auto placed = Place(*stub_a, Key(k), 6, &status);
    ASSERT_TRUE(status.ok());
    for (const auto& node : placed.nodes()) EXPECT_NE(node.id(), NodeIdHex(kVictim));
  }
  grpc::Status status;
  Place(*stub_a, Key(0), kNodes, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Place(*stub_a, Key(0), kNodes, &status, /*allow_fewer=*/true).nodes_size(), kNodes - 1);

  // It returns: node.up, not first seen, with how long it was down.
  {
    std::lock_guard<std::mutex> lock(mu_);
    silenced_.erase(kVictim);
  }
  ASSERT_TRUE(WaitForEvent("node.up", kVictim, [](const auto& e) {
    return !e.node_up().first_seen() && e.node_up().has_down_for();
  }));
  {
    // Two replicas watched the same silence; exactly one announced each change.
    std::lock_guard<std::mutex> lock(mu_);
    EXPECT_EQ(CountEvents("node.down", kVictim, [](const auto&) { return true; }), 1);
    EXPECT_EQ(
        CountEvents("node.up", kVictim, [](const auto& e) { return !e.node_up().first_seen(); }),
        1);
    for (int i = 0; i < kNodes; ++i) {
      EXPECT_EQ(CountEvents("node.up", i, [](const auto& e) { return e.node_up().first_seen(); }),
                1)
          << i;
    }
  }
  // The announcements are durable: the DM_NODES stream holds them.
  auto state = bus_->GetStreamState("DM_NODES");
  ASSERT_OK(state);
  EXPECT_GE(state->messages, static_cast<uint64_t>(kNodes + 2));

  // Restart with no heartbeats flowing: the new replica knows every node from PostgreSQL.
  all_silent_ = true;
  EXPECT_EQ(a->Stop(), 0);
  EXPECT_EQ(b->Stop(), 0);
  {
    std::lock_guard<std::mutex> lock(mu_);
    addresses_.clear();
  }
  auto c = std::make_unique<DhtProcess>(*stack_, "dht-c");
  auto stub_c = Connect("dht-c");
  grpc::ClientContext ctx;
  dht::v1::ListNodesRequest list;
  dht::v1::ListNodesResponse listed;
  ASSERT_TRUE(stub_c->ListNodes(&ctx, list, &listed).ok());
  ASSERT_EQ(listed.nodes_size(), kNodes);
  for (const auto& node : listed.nodes()) {
    int i = 0;
    while (i < kNodes && NodeIdHex(i) != node.id()) ++i;
    ASSERT_LT(i, kNodes) << node.id();
    EXPECT_EQ(node.zone(), Zone(i));
    EXPECT_EQ(node.address(), "127.0.0.1:" + std::to_string(17000 + i));
    EXPECT_EQ(node.used_bytes(), 1000u + i);  // counters were written behind
  }
  EXPECT_EQ(c->Stop(), 0);
}

}  // namespace
}  // namespace datamesh
