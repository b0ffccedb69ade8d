// Storage nodes under governance on the whole stack (five chunk-stores, claimed by the stack's
// operator "devstack"):
// - `datamesh operators reputation <node>` shows a node's standing in a table and as JSON, and
//   an unknown or malformed node id is a clear error with its exit code;
// - a parameter proposal changing vetting.placementShare passes, dht applies it live and
//   answers governance, and placement follows: at 0 no placement touches an unvetted node, at 1
//   unvetted nodes are placed on like the others.
//
// Three chunk-stores are made vetted the way governance's audits record it, in
// governance.node_reputation, after 100 passed audits (too many to wait for here); dht learns
// it from its re-sync of governance's tables (--admission-resync 1s), as it would after losing
// the governance.node.vetted events. Proposals pass as tests/integration/governance_votes.h
// says (the vote's end by SQL; the rest the services' own).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <pqxx/pqxx>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "datamesh/dht/v1/dht.grpc.pb.h"
#include "datamesh/governance/v1/governance.grpc.pb.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/random.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/wait_for.h"
#include "tests/e2e/e2e_util.h"
#include "tests/integration/governance_votes.h"

namespace datamesh {
namespace {

using ::datamesh::testing::TestStack;
using ::datamesh::testing::WaitFor;
namespace fs = std::filesystem;
namespace gov = ::datamesh::governance::v1;

constexpr int kChunkStores = 5;
constexpr int kVetted = 3;  // chunk-stores 1-3; 4 and 5 stay unvetted
constexpr int kKeys = 200;
constexpr absl::Duration kWait = absl::Seconds(90);  // only bounds how long a failure takes

class GovernanceNodesE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("DM_TICK_INTERVAL", "1s", 1);     // governance's lifecycle worker
    setenv("DM_ADMISSION_RESYNC", "1s", 1);  // dht's re-sync from governance's tables
    auto stack = TestStack::Start({.services = true, .chunk_stores = kChunkStores});
    ASSERT_OK(stack);
    stack_ = stack->release();
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(stack_, nullptr);
    governance_ = gov::GovernanceService::NewStub(grpc::CreateChannel(
        stack_->Env("DM_GOVERNANCE_GRPC_ADDR"), grpc::InsecureChannelCredentials()));
    dht_ = dht::v1::DhtService::NewStub(
        grpc::CreateChannel(stack_->Env("DM_DHT_GRPC_ADDR"), grpc::InsecureChannelCredentials()));
  }

  static pqxx::result Sql(const std::string& sql, const std::string& arg = "") {
    pqxx::connection conn(stack_->pg_url());
    pqxx::work w(conn);
    pqxx::result r = arg.empty() ? w.exec(sql) : w.exec_params(sql, arg);
    w.commit();
    return r;
  }

  // Chunk-store i's node id (1-based), as it wrote it at its first start.
  static std::string NodeId(int i) {
    return std::string(absl::StripAsciiWhitespace(e2e::ReadFile(
        fs::path(stack_->dir()) / "data" / absl::StrCat("chunk-store-", i) / "node_id")));
  }

  // The CLI, logged in as the admin; returns its output (stdout and stderr) and exit code.
  struct CliRun {
    std::string out;
    int exit_code = -1;
  };
  static CliRun Cli(const std::string& args) {
    const fs::path config = fs::path(stack_->dir()) / "cli-admin";
    const std::string cli = absl::StrCat(e2e::Quote(TestStack::BinaryDir() + "/bin/datamesh"),
                                         " --endpoint ", e2e::Quote(stack_->Env("DM_GATEWAY_URL")),
                                         " --config-dir ", e2e::Quote(config.string()));
    if (!fs::exists(config / "credentials")) {
      const std::string password = std::string(
          absl::StripAsciiWhitespace(e2e::ReadFile(fs::path(stack_->dir()) / "admin-password")));
      EXPECT_OK(testing::RunCommand(absl::StrCat("printf '%s\\n' ", e2e::Quote(password), " | ",
                                                 cli, " login admin --password-stdin"))
                    .status());
    }
    absl::StatusOr<std::string> out =
        testing::RunCommand(absl::StrCat("(", cli, " ", args, ") 2>&1; echo \"exit=$?\""));
    EXPECT_OK(out.status());
    CliRun run;
    if (!out.ok()) return run;
    const size_t at = out->rfind("exit=");
    run.out = out->substr(0, at);
    run.exit_code = std::atoi(out->c_str() + at + 5);
    return run;
  }

  gov::NodeReputation Reputation(const std::string& node) {
    grpc::ClientContext ctx;
    gov::GetNodeReputationRequest req;
    req.set_node_id(node);
    gov::GetNodeReputationResponse resp;
    EXPECT_TRUE(governance_->GetNodeReputation(&ctx, req, &resp).ok());
    return resp.reputation();
  }

  // How many of kKeys random placement keys put one of `unvetted` among their 2 nodes.
  int PlacementsOnUnvetted(const std::set<std::string>& unvetted) {
    int hits = 0;
    for (int i = 0; i < kKeys; ++i) {
      grpc::ClientContext ctx;
      dht::v1::PlaceRequest req;
      req.set_key(crypto::HexEncode(*crypto::RandomBytes(32)));
      req.set_n(2);
      dht::v1::PlaceResponse resp;
      const grpc::Status s = dht_->Place(&ctx, req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      bool hit = false;
      for (const auto& node : resp.nodes()) hit = hit || unvetted.contains(node.id());
      hits += hit ? 1 : 0;
    }
    return hits;
  }

  // Proposes vetting.placementShare = share as `proposer` (the only staker), votes yes, ends
  // the vote and returns dht's answer as governance recorded it.
  gov::ExecutionEntry PassShare(const std::string& proposer, double share) {
    testing::PassedProposal p =
        testing::PassParameterChange(*governance_, stack_->pg_url(), proposer,
                                     {{"vetting.placementShare", share}}, "dht", kWait);
    EXPECT_EQ(p.done.state(), "executed");
    const gov::ExecutionEntry* answer = testing::ExecutionOf(p.done, "dht");
    return answer == nullptr ? gov::ExecutionEntry() : *answer;
  }

  static TestStack* stack_;
  std::unique_ptr<gov::GovernanceService::Stub> governance_;
  std::unique_ptr<dht::v1::DhtService::Stub> dht_;
};

TestStack* GovernanceNodesE2eTest::stack_ = nullptr;

TEST_F(GovernanceNodesE2eTest, OperatorsReputationShowsANodeAndRefusesUnknownOnes) {
  const std::string node = NodeId(1);
  const gov::NodeReputation truth = Reputation(node);
  ASSERT_FALSE(truth.operator_id().empty()) << "the stack's operator claims every chunk-store";

  CliRun run = Cli("operators reputation " + node);
  EXPECT_EQ(run.exit_code, 0) << run.out;
  const std::vector<std::string> rows = {"FIELD",
                                         "node",
                                         node,
                                         "operator",
                                         truth.operator_id(),
                                         "score",
                                         "audits",
                                         "standing",
                                         "vetting needs 100 passed audits",
                                         "uptime",
                                         "windows of 300 s"};
  for (const std::string& want : rows) {
    EXPECT_TRUE(absl::StrContains(run.out, want)) << want << " missing in:\n" << run.out;
  }

  run = Cli("--json operators reputation " + node);
  EXPECT_EQ(run.exit_code, 0) << run.out;
  const google::protobuf::Struct json = e2e::ParseJson(run.out);
  const google::protobuf::Struct& reputation = e2e::Obj(json, "reputation");
  EXPECT_EQ(e2e::Str(reputation, "nodeId"), node) << run.out;
  EXPECT_EQ(e2e::Str(reputation, "operatorId"), truth.operator_id()) << run.out;
  EXPECT_EQ(e2e::Str(reputation, "vettingAuditsRequired"), "100") << run.out;

  // A well-formed id governance never heard of: not found (exit 4), saying so.
  const std::string stranger = crypto::HexEncode(*crypto::RandomBytes(32));
  run = Cli("operators reputation " + stranger);
  EXPECT_EQ(run.exit_code, 4) << run.out;
  EXPECT_TRUE(absl::StrContains(run.out, "no such storage node")) << run.out;
  run = Cli("--json operators reputation " + stranger);
  EXPECT_EQ(run.exit_code, 4) << run.out;
  // Not a node id at all: a usage error (exit 2) naming the rule.
  run = Cli("operators reputation not-a-node");
  EXPECT_EQ(run.exit_code, 2) << run.out;
  EXPECT_TRUE(absl::StrContains(run.out, "64 lowercase hex")) << run.out;
  // No node id: the command's usage, exit 2.
  run = Cli("operators reputation");
  EXPECT_EQ(run.exit_code, 2) << run.out;
  EXPECT_TRUE(absl::StrContains(run.out, "operators reputation NODE_ID")) << run.out;
}

TEST_F(GovernanceNodesE2eTest, AVettingShareProposalChangesPlacementLive) {
  // Chunk-stores 1-3 vetted as the audits record it; dht's re-sync brings it over.
  for (int i = 1; i <= kVetted; ++i) {
    Sql("INSERT INTO governance.node_reputation (node_id, alpha, beta, score, vetted_at) "
        "VALUES ($1, 1000, 0, 1, now()) ON CONFLICT (node_id) DO UPDATE SET "
        "vetted_at = COALESCE(governance.node_reputation.vetted_at, now())",
        NodeId(i));
  }
  auto vetted = [&](int i) {
    grpc::ClientContext ctx;
    dht::v1::GetNodeRequest req;
    req.set_node_id(NodeId(i));
    dht::v1::GetNodeResponse resp;
    return dht_->GetNode(&ctx, req, &resp).ok() && resp.node().vetted() && resp.node().writable();
  };
  ASSERT_TRUE(WaitFor([&] { return vetted(1) && vetted(2) && vetted(3); }, kWait));
  EXPECT_FALSE(vetted(4));
  const std::set<std::string> unvetted = {NodeId(4), NodeId(5)};

  ASSERT_TRUE(testing::GrantAndStake(*governance_, "share-voter", 50'000'000));
  gov::ExecutionEntry answer = PassShare("share-voter", 0);
  EXPECT_EQ(answer.state(), "applied") << answer.reason();
  // dht answered after storing and loading the value: placement follows at once.
  EXPECT_EQ(PlacementsOnUnvetted(unvetted), 0);

  answer = PassShare("share-voter", 1);
  EXPECT_EQ(answer.state(), "applied") << answer.reason();
  // Unvetted nodes now take part in every key like the vetted ones (about 70% of keys put
  // one of the two among their two nodes); the bound only has to tell "all" from "none".
  EXPECT_GT(PlacementsOnUnvetted(unvetted), kKeys / 5);

  // governance's table shows the value dht applied.
  EXPECT_EQ(Sql("SELECT value::text FROM governance.parameters WHERE key = "
                "'vetting.placementShare'")[0][0]
                .as<std::string>(),
            "1");
}

}  // namespace
}  // namespace datamesh
