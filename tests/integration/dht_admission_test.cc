// Admission gates placement, on real processes: the governance and dht binaries over real NATS
// (JetStream) and PostgreSQL, with fake storage nodes that beat on dm.v1.node.heartbeat and
// prove possession with dm-node-sign. A node no operator claimed gets no shards; an operator's
// registration (admission.mode open) makes its nodes placeable; losing its admission (mode
// stake, no stake) stops new shards; a late, older admission does not undo that; a disqualified
// node is never placed on again, not even after its operator is announced again or dht
// restarts; dht answers governance for the parameter it owns (vetting.placementShare); a dht
// that lost its record of all this rebuilds it from governance's tables (--governance-addr);
// a node id stays bound to the key that first proved it until an admin releases it.
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

  // `extra` flags are added, e.g. the re-sync from governance.
  static void StartDht(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--heartbeat-interval=300ms", "--node-timeout=10s",
                                     "--membership-flush-interval=500ms",
                                     "--admission-refresh=500ms"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto dht = ServiceProcess::Start(*stack_, {.binary = "dht", .args = args});
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

  static void Sql(const std::string& sql, const std::string& arg = "") {
    auto pool = pg::Pool::Create({.url = stack_->pg_url(), .size = 1});
    ASSERT_OK(pool);
    ASSERT_OK((*pool)->Transact([&](pqxx::work& tx) {
      if (arg.empty()) {
        tx.exec0(sql);
      } else {
        tx.exec_params0(sql, arg);
      }
      return absl::OkStatus();
    }));
  }
  static std::string SqlValue(const std::string& sql, const std::string& arg) {
    std::string value;
    auto pool = pg::Pool::Create({.url = stack_->pg_url(), .size = 1});
    EXPECT_OK(pool);
    if (!pool.ok()) return value;
    EXPECT_OK((*pool)->Transact([&](pqxx::work& tx) {
      pqxx::result r = tx.exec_params(sql, arg);
      if (!r.empty() && !r[0][0].is_null()) value = r[0][0].as<std::string>();
      return absl::OkStatus();
    }));
    return value;
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

TEST_F(DhtAdmissionTest, ADhtThatLostItsAdmissionsRebuildsThemFromGovernance) {
  std::set<int> all;
  for (int i = 0; i < kNodes; ++i) all.insert(i);
  // The vetting and the disqualification the earlier test announced by hand, recorded where
  // governance's audits record them, so governance's tables hold the same truth.
  Sql("INSERT INTO governance.node_reputation (node_id, alpha, beta, score, vetted_at) "
      "VALUES ($1, 1000, 0, 1, now()) ON CONFLICT (node_id) DO UPDATE SET vetted_at = now()",
      node_ids_[6]);
  Sql("INSERT INTO governance.node_reputation (node_id, alpha, beta, score, disqualified_at) "
      "VALUES ($1, 10, 10, 0.5, now()) ON CONFLICT (node_id) DO UPDATE SET "
      "disqualified_at = now()",
      node_ids_[7]);
  const std::set<int> before = EligibleAmong(all);
  ASSERT_FALSE(before.empty());
  for (int i : {5, 7, 10, 11}) ASSERT_FALSE(before.contains(i)) << i;

  // dht's record is lost (a new database, a consumer reset): every event was acknowledged
  // long ago, so nothing comes back from the stream and no node is placeable.
  ASSERT_OK(dht_->Stop().status());
  delete dht_;
  dht_ = nullptr;
  Sql("DELETE FROM dht.node_admission");
  Sql("DELETE FROM dht.operators");
  StartDht();
  ASSERT_NE(dht_, nullptr);
  ASSERT_TRUE(WaitFor([&] { return Up(0); }, kWait));
  EXPECT_TRUE(EligibleAmong(all).empty());

  // The same dht with the re-sync rebuilds it from governance's tables at start.
  ASSERT_OK(dht_->Stop().status());
  delete dht_;
  dht_ = nullptr;
  const std::vector<std::string> resync = {"--governance-addr=" + governance_->grpc_address(),
                                           "--admission-resync=1s"};
  StartDht(resync);
  ASSERT_NE(dht_, nullptr);
  ASSERT_TRUE(WaitEligible(all, before)) << "admissions were not rebuilt";
  EXPECT_TRUE(GetNode(7).disqualified());
  EXPECT_FALSE(GetNode(7).writable());
  EXPECT_TRUE(GetNode(6).vetted());
  for (int i : {5, 10, 11}) {  // nodes of no operator still get no shards
    EXPECT_FALSE(GetNode(i).admitted()) << i;
  }
  EXPECT_NE(dht_->ReadLog().find("node admission re-synced from governance"), std::string::npos);

  // Events still apply on top: a new operator's admission lands at once, and the re-syncs
  // after it leave its decision as the event wrote it (they correct only what differs).
  const gov::Operator dave = Register("dave", {11});
  std::set<int> with_dave = before;
  with_dave.insert(11);
  ASSERT_TRUE(WaitEligible(all, with_dave));
  const std::string dave_event =
      SqlValue("SELECT event_id FROM dht.operators WHERE operator_id = $1", dave.id());
  EXPECT_NE(dave_event, "resync");
  // Two corrections in a row: the second re-sync pass began after the first ended, so after
  // dave's event.
  const std::string bob = SqlValue(
      "SELECT operator_id FROM dht.node_admission WHERE node_id = $1", node_ids_[3]);
  ASSERT_FALSE(bob.empty());
  for (int round = 0; round < 2; ++round) {
    Sql("DELETE FROM dht.operators WHERE operator_id = $1", bob);
    ASSERT_TRUE(WaitFor(
        [&] {
          return SqlValue("SELECT event_id FROM dht.operators WHERE operator_id = $1", bob) ==
                 "resync";
        },
        kWait));
  }
  EXPECT_EQ(SqlValue("SELECT event_id FROM dht.operators WHERE operator_id = $1", dave.id()),
            dave_event);
  EXPECT_TRUE(WaitEligible(all, with_dave));
}

TEST_F(DhtAdmissionTest, ANodeIdStaysBoundToItsFirstKeyUntilAnAdminReleasesIt) {
  std::set<int> all;
  for (int i = 0; i < kNodes; ++i) all.insert(i);
  const gov::Operator erin = Register("erin", {10});
  ASSERT_TRUE(WaitFor([&] { return EligibleAmong(all).contains(10); }, kWait));
  const std::string erin_key =
      SqlValue("SELECT public_key FROM governance.node_keys WHERE node_id = $1", node_ids_[10]);
  ASSERT_EQ(erin_key.size(), 64u);

  // Another machine presents node 10's id with a key of its own (dm-node-sign makes one).
  const std::string impostor = nodes_dir_ + "/impostor-10";
  std::filesystem::create_directories(impostor);
  std::ofstream(impostor + "/node_id") << node_ids_[10] << "\n";
  auto register_impostor = [&] {
    const std::string challenge = Challenge("mallory");
    auto out = testing::RunCommand(TestStack::BinaryDir() + "/bin/dm-node-sign --data-dir '" +
                                   impostor + "' --challenge " + challenge +
                                   " --account mallory");
    EXPECT_OK(out);
    std::smatch m;
    static const std::regex kProof(
        R"re(\{"nodeId":"([0-9a-f]+)","publicKey":"([0-9a-f]+)","signature":"([0-9a-f]+)"\})re");
    gov::RegisterOperatorRequest request;
    request.set_account_id("mallory");
    request.set_name("mallory storage");
    request.set_challenge(challenge);
    request.add_node_ids(node_ids_[10]);
    if (out.ok() && std::regex_search(*out, m, kProof)) {
      gov::NodeProof* proof = request.add_proofs();
      proof->set_node_id(m[1]);
      proof->set_public_key(m[2]);
      proof->set_signature(m[3]);
    }
    grpc::ClientContext ctx;
    gov::RegisterOperatorResponse response;
    return Governance()->RegisterOperator(&ctx, request, &response);
  };
  grpc::Status refused = register_impostor();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(refused.error_message().find("is bound to the key " + erin_key), std::string::npos)
      << refused.error_message();
  EXPECT_NE(governance_->ReadLog().find(
                "refused a node claim signed by a key other than the node's bound key"),
            std::string::npos);
  EXPECT_TRUE(EligibleAmong(all).contains(10));  // still erin's

  auto release = [&](bool admin, const std::string& node, const std::string& reason,
                     gov::ReleaseNodeKeyResponse* response) {
    grpc::ClientContext ctx;
    gov::ReleaseNodeKeyRequest request;
    request.set_actor_id(admin ? "admin" : "erin");
    request.set_actor_is_admin(admin);
    request.set_node_id(node);
    request.set_reason(reason);
    return Governance()->ReleaseNodeKey(&ctx, request, response);
  };
  gov::ReleaseNodeKeyResponse released;
  EXPECT_EQ(release(false, node_ids_[10], "mine now", &released).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(release(true, node_ids_[10], "", &released).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(release(true, node_ids_[5], "no key", &released).error_code(),
            grpc::StatusCode::NOT_FOUND);  // nobody ever proved node 5
  EXPECT_EQ(SqlValue("SELECT public_key FROM governance.node_keys WHERE node_id = $1",
                     node_ids_[10]),
            erin_key);  // the refusals changed nothing

  // The admin releases it: the node leaves erin (dht stops placing on it) and is free.
  const grpc::Status s = release(true, node_ids_[10], "the node's disk was replaced", &released);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(released.released_public_key(), erin_key);
  EXPECT_EQ(SqlValue("SELECT operator_id || ' ' || actor_id || ' ' || reason FROM "
                     "governance.node_key_releases WHERE node_id = $1",
                     node_ids_[10]),
            erin.id() + " admin the node's disk was replaced");
  ASSERT_TRUE(WaitFor([&] { return !EligibleAmong(all).contains(10); }, kWait));

  // Now the new key binds on its first proof.
  const grpc::Status accepted = register_impostor();
  ASSERT_TRUE(accepted.ok()) << accepted.error_message();
  EXPECT_NE(SqlValue("SELECT public_key FROM governance.node_keys WHERE node_id = $1",
                     node_ids_[10]),
            erin_key);
  ASSERT_TRUE(WaitFor([&] { return EligibleAmong(all).contains(10); }, kWait));
  EXPECT_NE(GetNode(10).operator_id(), erin.id());
}

}  // namespace
}  // namespace datamesh
