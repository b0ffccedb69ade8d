// Admission gates placement, on real processes: the governance and dht binaries over real NATS
// (JetStream) and PostgreSQL, with fake storage nodes that beat on dm.v1.node.heartbeat and
// prove possession with dm-node-sign. A node no operator claimed gets no shards; an operator's
// registration (admission.mode open) makes its nodes placeable; losing its admission (mode
// stake, no stake) stops new shards; a late, older admission does not undo that; a disqualified
// node is never placed on again, not even after its operator is announced again or dht
// restarts; dht answers governance for the parameter it owns (vetting.placementShare).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "datamesh/dht/v1/dht.grpc.pb.h"
#include "datamesh/governance/v1/governance.grpc.pb.h"
#include "shared/bus/bus.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/random.h"
#include "shared/pg/pool.h"
#include "shared/testing/service_process.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/wait_for.h"

namespace datamesh {
namespace {

using ::datamesh::testing::ServiceProcess;
using ::datamesh::testing::TestStack;
using ::datamesh::testing::WaitFor;
namespace gov = ::datamesh::governance::v1;

constexpr int kNodes = 12;
constexpr absl::Duration kWait = absl::Seconds(60);  // only bounds how long a failure takes

class DhtAdmissionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto stack = TestStack::Start();
    ASSERT_OK(stack);
    stack_ = std::move(*stack).release();
    auto governance =
        ServiceProcess::Start(*stack_, {.binary = "governance", .args = {"--tick-interval=500ms"}});
    ASSERT_OK(governance);
    governance_ = std::move(*governance).release();
    StartDht();
    bus::BusOptions options;
    options.url = stack_->nats_url();
    options.client_name = "dht-admission-test";
    auto bus = bus::Bus::Connect(options);
    ASSERT_OK(bus);
    bus_ = std::move(*bus).release();
    // A node is a folder with a node_id file, as a chunk-store leaves it: dm-node-sign reads
    // the id there and keeps the node's key beside it.
    nodes_dir_ = stack_->dir() + "/admission-nodes";
    for (int i = 0; i < kNodes; ++i) {
      node_ids_.push_back(crypto::HexEncode(*crypto::RandomBytes(32)));
      std::filesystem::create_directories(NodeDir(i));
      std::ofstream(NodeDir(i) + "/node_id") << node_ids_[i] << "\n";
    }
    beater_ = new std::thread(BeatLoop);
  }

  static void TearDownTestSuite() {
    stop_beats_ = true;
    if (beater_ != nullptr) beater_->join();
    delete beater_;
    delete bus_;
    delete dht_;
    delete governance_;
    delete stack_;
  }

  static void StartDht() {
    auto dht = ServiceProcess::Start(
        *stack_, {.binary = "dht",
                  .args = {"--heartbeat-interval=300ms", "--node-timeout=10s",
                           "--membership-flush-interval=500ms", "--admission-refresh=500ms"}});
    ASSERT_OK(dht);
    dht_ = std::move(*dht).release();
  }

  static std::string NodeDir(int i) { return nodes_dir_ + "/node-" + std::to_string(i); }

  static void BeatLoop() {
    while (!stop_beats_) {
      for (int i = 0; i < kNodes; ++i) {
        events::v1::Event e =
            bus::NewEvent("node.heartbeat", "chunk-store/fake-" + std::to_string(i));
        events::v1::NodeHeartbeat* hb = e.mutable_node_heartbeat();
        hb->set_node_id(node_ids_[i]);
        hb->set_address("127.0.0.1:" + std::to_string(17100 + i));
        hb->set_zone("zone-" + std::to_string(i % 3 + 1));
        hb->set_capacity_bytes(1'000'000'000);
        hb->set_health(events::v1::NODE_HEALTH_OK);
        (void)bus_->PublishEvent(e);  // a lost beat is replaced by the next
      }
      absl::SleepFor(absl::Milliseconds(300));
    }
  }

  std::unique_ptr<dht::v1::DhtService::Stub> Dht() {
    return dht::v1::DhtService::NewStub(
        grpc::CreateChannel(dht_->grpc_address(), grpc::InsecureChannelCredentials()));
  }
  std::unique_ptr<gov::GovernanceService::Stub> Governance() {
    return gov::GovernanceService::NewStub(
        grpc::CreateChannel(governance_->grpc_address(), grpc::InsecureChannelCredentials()));
  }

  // Indexes of the nodes dht would place shards on now: with n = every node and allow_fewer,
  // Place answers every eligible node, whatever the key.
  std::set<int> Eligible() {
    grpc::ClientContext ctx;
    dht::v1::PlaceRequest request;
    request.set_key(crypto::HexEncode(*crypto::RandomBytes(32)));
    request.set_n(kNodes);
    request.set_allow_fewer(true);
    dht::v1::PlaceResponse response;
    std::set<int> out;
    if (!Dht()->Place(&ctx, request, &response).ok()) return {-1};
    for (const auto& node : response.nodes()) {
      for (int i = 0; i < kNodes; ++i) {
        if (node_ids_[i] == node.id()) out.insert(i);
      }
    }
    return out;
  }
  // Eligible() restricted to `among`.
  std::set<int> EligibleAmong(const std::set<int>& among) {
    std::set<int> out;
    for (int i : Eligible()) {
      if (among.contains(i)) out.insert(i);
    }
    return out;
  }
  bool WaitEligible(const std::set<int>& among, const std::set<int>& want) {
    return WaitFor([&] { return EligibleAmong(among) == want; }, kWait);
  }

  // Whether dht lists node `i` up (NOT_FOUND until its first heartbeat arrived).
  bool Up(int i) {
    grpc::ClientContext ctx;
    dht::v1::GetNodeRequest request;
    request.set_node_id(node_ids_[i]);
    dht::v1::GetNodeResponse response;
    return Dht()->GetNode(&ctx, request, &response).ok() &&
           response.node().state() == dht::v1::NODE_STATE_UP;
  }

  dht::v1::Node GetNode(int i) {
    grpc::ClientContext ctx;
    dht::v1::GetNodeRequest request;
    request.set_node_id(node_ids_[i]);
    dht::v1::GetNodeResponse response;
    EXPECT_TRUE(Dht()->GetNode(&ctx, request, &response).ok());
    return response.node();
  }

  std::string Challenge(const std::string& account) {
    grpc::ClientContext ctx;
    gov::GetOperatorChallengeRequest request;
    request.set_account_id(account);
    gov::GetOperatorChallengeResponse response;
    EXPECT_TRUE(Governance()->GetOperatorChallenge(&ctx, request, &response).ok());
    return response.challenge();
  }

  // dm-node-sign's proof that node `i` is run by `account`.
  gov::NodeProof Proof(int i, const std::string& challenge, const std::string& account) {
    auto out =
        testing::RunCommand(TestStack::BinaryDir() + "/bin/dm-node-sign --data-dir '" + NodeDir(i) +
                            "' --challenge " + challenge + " --account '" + account + "'");
    EXPECT_OK(out);
    std::smatch m;
    static const std::regex kProof(
        R"re(\{"nodeId":"([0-9a-f]+)","publicKey":"([0-9a-f]+)","signature":"([0-9a-f]+)"\})re");
    gov::NodeProof proof;
    if (out.ok() && std::regex_search(*out, m, kProof)) {
      proof.set_node_id(m[1]);
      proof.set_public_key(m[2]);
      proof.set_signature(m[3]);
    }
    return proof;
  }

  gov::Operator Register(const std::string& account, const std::vector<int>& nodes) {
    const std::string challenge = Challenge(account);
    grpc::ClientContext ctx;
    gov::RegisterOperatorRequest request;
    request.set_account_id(account);
    request.set_name(account + " storage");
    request.set_challenge(challenge);
    for (int i : nodes) {
      request.add_node_ids(node_ids_[i]);
      *request.add_proofs() = Proof(i, challenge, account);
    }
    gov::RegisterOperatorResponse response;
    const grpc::Status s = Governance()->RegisterOperator(&ctx, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.operator_();
  }

  void SetParameter(const std::string& key, const std::string& json) {
    auto pool = pg::Pool::Create({.url = stack_->pg_url(), .size = 1});
    ASSERT_OK(pool);
    ASSERT_OK((*pool)->Transact([&](pqxx::work& tx) {
      tx.exec_params0("UPDATE governance.parameters SET value = $2::jsonb WHERE key = $1", key,
                      json);
      return absl::OkStatus();
    }));
  }

  // Publishes a governance event as governance's outbox would, and waits until dht's durable
  // consumer has handled and acknowledged everything published so far.
  void PublishAndWaitHandled(const events::v1::Event& event) {
    ASSERT_OK(bus_->PublishDurable(event));
    EXPECT_TRUE(WaitFor(
        [&] {
          auto state = bus_->GetConsumerState(bus::kDurableEventsStreamName, "dht-admission");
          return state.ok() && state->pending == 0 && state->ack_pending == 0;
        },
        kWait));
  }

  static TestStack* stack_;
  static ServiceProcess* governance_;
  static ServiceProcess* dht_;
  static bus::Bus* bus_;
  static std::string nodes_dir_;
  static std::vector<std::string> node_ids_;
  static std::atomic<bool> stop_beats_;
  static std::thread* beater_;
};
TestStack* DhtAdmissionTest::stack_ = nullptr;
ServiceProcess* DhtAdmissionTest::governance_ = nullptr;
ServiceProcess* DhtAdmissionTest::dht_ = nullptr;
bus::Bus* DhtAdmissionTest::bus_ = nullptr;
std::string DhtAdmissionTest::nodes_dir_;
std::vector<std::string> DhtAdmissionTest::node_ids_;
std::atomic<bool> DhtAdmissionTest::stop_beats_{false};
std::thread* DhtAdmissionTest::beater_ = nullptr;

TEST_F(DhtAdmissionTest, OnlyNodesOfAdmittedOperatorsReceiveShards) {
  const std::set<int> mine = {0, 1, 2, 3, 4, 5};  // alice 0-2, bob 3-4, nobody's 5
  // Every node beats, and dht knows them all, but no operator has claimed any.
  ASSERT_TRUE(WaitFor([&] { return Up(0) && Up(5); }, kWait));
  EXPECT_TRUE(EligibleAmong(mine).empty());
  EXPECT_FALSE(GetNode(0).admitted());
  EXPECT_FALSE(GetNode(0).writable());

  const gov::Operator alice = Register("alice", {0, 1, 2});
  EXPECT_EQ(alice.state(), "admitted");  // admission.mode "open"
  ASSERT_TRUE(WaitEligible(mine, {0, 1, 2})) << "alice's nodes never became placeable";
  dht::v1::Node node = GetNode(1);
  EXPECT_TRUE(node.admitted() && node.writable());
  EXPECT_FALSE(node.vetted());  // no audits passed yet
  EXPECT_EQ(node.operator_id(), alice.id());

  const gov::Operator bob = Register("bob", {3, 4});
  ASSERT_TRUE(WaitEligible(mine, {0, 1, 2, 3, 4}));

  // Mode "stake": alice bonds the minimum (1,000 tokens), bob bonds nothing and loses his
  // admission at the next tick (governance.operator.removed).
  {
    grpc::ClientContext ctx;
    gov::GrantRequest grant;
    grant.set_actor_id("admin");
    grant.set_actor_is_admin(true);
    grant.set_account_id("alice");
    grant.set_amount(1'000'000'000);
    grant.set_reason("operator bond");
    gov::GrantResponse granted;
    ASSERT_TRUE(Governance()->Grant(&ctx, grant, &granted).ok());
  }
  {
    grpc::ClientContext ctx;
    gov::StakeRequest stake;
    stake.set_account_id("alice");
    stake.set_amount(1'000'000'000);
    gov::StakeResponse staked;
    ASSERT_TRUE(Governance()->Stake(&ctx, stake, &staked).ok());
  }
  SetParameter("admission.mode", R"("stake")");
  ASSERT_TRUE(WaitEligible(mine, {0, 1, 2})) << "bob's nodes still placeable after removal";
  EXPECT_FALSE(GetNode(3).admitted());
  EXPECT_EQ(GetNode(3).state(), dht::v1::NODE_STATE_UP);  // still up and readable

  // An admission of bob's from before the removal, delivered late, does not undo it.
  events::v1::Event late = bus::NewEvent("governance.operator.admitted", "governance/replayed");
  late.mutable_time()->set_seconds(1);
  late.mutable_operator_admitted()->set_operator_id(bob.id());
  late.mutable_operator_admitted()->add_node_ids(node_ids_[3]);
  late.mutable_operator_admitted()->add_node_ids(node_ids_[4]);
  PublishAndWaitHandled(late);
  EXPECT_EQ(EligibleAmong(mine), (std::set<int>{0, 1, 2}));

  // Back to "open": bob, only pending, is admitted again.
  SetParameter("admission.mode", R"("open")");
  ASSERT_TRUE(WaitEligible(mine, {0, 1, 2, 3, 4}));
  EXPECT_FALSE(EligibleAmong(mine).contains(5));
}

TEST_F(DhtAdmissionTest, ADisqualifiedNodeNeverReceivesShardsAgain) {
  const std::set<int> mine = {6, 7, 8, 9, 10, 11};  // carol 6-8 and later 9; nobody's 10-11
  ASSERT_TRUE(WaitFor([&] { return Up(6) && Up(11); }, kWait));
  EXPECT_TRUE(EligibleAmong(mine).empty());
  const gov::Operator carol = Register("carol", {6, 7, 8});
  ASSERT_TRUE(WaitEligible(mine, {6, 7, 8}));

  // What governance's audits publish.
  events::v1::Event vetted = bus::NewEvent("governance.node.vetted", "governance/audits");
  vetted.mutable_node_vetted()->set_node_id(node_ids_[6]);
  vetted.mutable_node_vetted()->set_operator_id(carol.id());
  PublishAndWaitHandled(vetted);
  events::v1::Event disqualified =
      bus::NewEvent("governance.node.disqualified", "governance/audits");
  disqualified.mutable_node_disqualified()->set_node_id(node_ids_[7]);
  disqualified.mutable_node_disqualified()->set_operator_id(carol.id());
  disqualified.mutable_node_disqualified()->set_reason("audit score 0.58 below 0.60");
  PublishAndWaitHandled(disqualified);
  PublishAndWaitHandled(disqualified);  // delivered twice: handled once

  EXPECT_EQ(EligibleAmong(mine), (std::set<int>{6, 8}));
  EXPECT_TRUE(GetNode(6).vetted());
  EXPECT_FALSE(GetNode(8).vetted());
  dht::v1::Node node = GetNode(7);
  EXPECT_TRUE(node.disqualified());
  EXPECT_TRUE(node.admitted());  // its operator still is
  EXPECT_FALSE(node.writable());

  // Carol claims one more node: governance announces her again with every node, the
  // disqualified one included, and it stays out.
  {
    const std::string challenge = Challenge("carol");
    grpc::ClientContext ctx;
    gov::ClaimNodeRequest claim;
    claim.set_account_id("carol");
    claim.set_challenge(challenge);
    *claim.mutable_proof() = Proof(9, challenge, "carol");
    gov::ClaimNodeResponse claimed;
    const grpc::Status s = Governance()->ClaimNode(&ctx, claim, &claimed);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_TRUE(WaitEligible(mine, {6, 8, 9}));

  // A restarted dht knows all of it from PostgreSQL before any new event.
  ASSERT_OK(dht_->Stop().status());
  delete dht_;
  dht_ = nullptr;
  StartDht();
  ASSERT_NE(dht_, nullptr);
  EXPECT_TRUE(GetNode(7).disqualified());
  EXPECT_TRUE(GetNode(6).vetted());
  ASSERT_TRUE(WaitEligible(mine, {6, 8, 9}));
}

TEST_F(DhtAdmissionTest, DhtAppliesAndAnswersAPlacementShareChange) {
  absl::Mutex mu;
  std::map<std::string, events::v1::ChangeApplied> answers;  // by proposal id
  auto sub = bus_->SubscribeEvents(bus::SubjectFor("governance.change.applied"), "",
                                   [&](const events::v1::Event& e) {
                                     if (e.change_applied().service() != "dht") return;
                                     absl::MutexLock lock(&mu);
                                     answers[e.change_applied().proposal_id()] = e.change_applied();
                                   });
  ASSERT_OK(sub);
  auto executed = [&](const std::string& proposal, double share) {
    events::v1::Event e = bus::NewEvent("governance.proposal.executed", "governance/test");
    e.mutable_proposal_executed()->set_proposal_id(proposal);
    e.mutable_proposal_executed()->set_type("parameter_change");
    (*e.mutable_proposal_executed()->mutable_change()->mutable_fields())["vetting.placementShare"]
        .set_number_value(share);
    return e;
  };
  auto answer = [&](const std::string& proposal) -> std::optional<events::v1::ChangeApplied> {
    absl::MutexLock lock(&mu);
    auto it = answers.find(proposal);
    if (it == answers.end()) return std::nullopt;
    return it->second;
  };
  PublishAndWaitHandled(executed("share-ok", 0.25));
  ASSERT_TRUE(WaitFor([&] { return answer("share-ok").has_value(); }, kWait));
  EXPECT_TRUE(answer("share-ok")->ok());
  PublishAndWaitHandled(executed("share-bad", 2.0));
  ASSERT_TRUE(WaitFor([&] { return answer("share-bad").has_value(); }, kWait));
  EXPECT_FALSE(answer("share-bad")->ok());
  EXPECT_NE(answer("share-bad")->reason().find("from 0 to 1"), std::string::npos);
  // The accepted value is dht's from now on, across restarts.
  auto pool = pg::Pool::Create({.url = stack_->pg_url(), .size = 1});
  ASSERT_OK(pool);
  std::string stored;
  ASSERT_OK((*pool)->Transact([&](pqxx::work& tx) {
    stored = tx.exec1("SELECT value FROM dht.settings WHERE key = 'vetting.placementShare'")[0]
                 .as<std::string>();
    return absl::OkStatus();
  }));
  EXPECT_EQ(stored, "0.25");
}

}  // namespace
}  // namespace datamesh
