// Governance changes a tier live, on the whole stack: a proposal lowering the free tier's
// storage limit passes, quota applies it from governance.proposal.executed and answers with
// governance.change.applied, and the next upload over the new limit is refused through the
// gateway without restarting anything.
//
// The minimum voting period is one hour, so the test sets the proposal's closes_at to now by
// SQL once everyone has voted (what the clock would do an hour later); the enactment delay is
// set to 0 through the parameter table, and governance's --tick-interval to 1 s (DM_TICK_INTERVAL)
// so the lifecycle worker looks often. Nothing else is bypassed: the grant, the stake, the
// proposal, the vote, the close, the execution and quota's answer are the services' own.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "datamesh/governance/v1/governance.grpc.pb.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "tests/e2e/e2e_util.h"

namespace datamesh::e2e {
namespace {

namespace fs = std::filesystem;
namespace gov = governance::v1;
constexpr int64_t kToken = 1'000'000;
constexpr uint64_t kNewFreeLimit = 1'000'000;  // bytes

class GovernanceTierE2eTest : public StackSuite {
 protected:
  static void SetUpTestSuite() {
    setenv("DM_TICK_INTERVAL", "1s", 1);  // governance's lifecycle worker
    StackSuite::SetUpTestSuite();
  }

  void SetUp() override {
    ASSERT_NE(stack_, nullptr);
    dir_ = fs::path(stack_->dir()) / "governance-tier";
    fs::create_directories(dir_);
    governance_ = gov::GovernanceService::NewStub(grpc::CreateChannel(
        stack_->Env("DM_GOVERNANCE_GRPC_ADDR"), grpc::InsecureChannelCredentials()));
  }

  Reply Api(const std::string& method, const std::string& path, const std::string& token,
            std::vector<std::string> args = {}) {
    return CurlHttp(dir_).Call(method, absl::StrCat("http://127.0.0.1:", port_, "/api/v1", path),
                               args, token);
  }
  Reply Json(const std::string& method, const std::string& path, const std::string& body) {
    WriteFile(dir_ / "req.json", body);
    return Api(method, path, "",
               {"-H 'Content-Type: application/json'",
                "--data-binary @'" + (dir_ / "req.json").string() + "'"});
  }
  // Registers a (free-tier) user and returns its token.
  std::string NewUserToken(const std::string& name) {
    Reply reg = Json("POST", "/auth/register",
                     absl::StrCat(R"({"username":")", name, R"(","email":")", name,
                                  R"(@example.com","password":"correct-horse-1"})"));
    EXPECT_EQ(reg.code, 201) << reg.body;
    Reply login =
        Json("POST", "/auth/login",
             absl::StrCat(R"({"username":")", name, R"(","password":"correct-horse-1"})"));
    EXPECT_EQ(login.code, 200) << login.body;
    return Str(login.Json(), "token");
  }
  Reply Upload(const std::string& token, const std::string& name, size_t size) {
    WriteFile(dir_ / "upload.bin", RandomBytes(size, size + name.size()));
    return Api("POST", "/files?name=" + name, token,
               {"--data-binary @'" + (dir_ / "upload.bin").string() + "'"});
  }
  void Sql(const std::string& sql, const std::string& arg = "") {
    pqxx::connection c(stack_->pg_url());
    pqxx::work w(c);
    if (arg.empty())
      w.exec(sql);
    else
      w.exec_params(sql, arg);
    w.commit();
  }
  gov::Proposal Get(const std::string& id) {
    grpc::ClientContext ctx;
    gov::GetProposalRequest req;
    req.set_proposal_id(id);
    gov::GetProposalResponse resp;
    EXPECT_TRUE(governance_->GetProposal(&ctx, req, &resp).ok());
    return resp.proposal();
  }

  // Gives `account` voting power: treasury tokens granted, half of them bonded.
  void GrantAndStake(const std::string& account) {
    grpc::ClientContext grant_ctx;
    gov::GrantRequest grant;
    grant.set_actor_id("admin");
    grant.set_actor_is_admin(true);
    grant.set_account_id(account);
    grant.set_amount(100 * kToken);
    grant.set_reason("voting power for the test");
    gov::GrantResponse granted;
    grpc::Status s = governance_->Grant(&grant_ctx, grant, &granted);
    ASSERT_TRUE(s.ok()) << s.error_message();
    grpc::ClientContext stake_ctx;
    gov::StakeRequest stake;
    stake.set_account_id(account);
    stake.set_amount(50 * kToken);
    gov::StakeResponse staked;
    s = governance_->Stake(&stake_ctx, stake, &staked);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  // Opens a one-key parameter change by `proposer`; returns the proposal.
  gov::Proposal Propose(const std::string& proposer, const std::string& key, double value) {
    gov::CreateProposalRequest create;
    create.set_proposer_id(proposer);
    create.set_title("Set " + key);
    create.set_type("parameter_change");
    (*create.mutable_change()->mutable_fields())[key].set_number_value(value);
    create.set_voting_period_seconds(3600);
    grpc::ClientContext ctx;
    gov::CreateProposalResponse created;
    grpc::Status s = governance_->CreateProposal(&ctx, create, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created.proposal();
  }
  gov::Proposal VoteYes(const std::string& id, const std::string& voter) {
    grpc::ClientContext ctx;
    gov::CastVoteRequest vote;
    vote.set_proposal_id(id);
    vote.set_voter_id(voter);
    vote.set_choice("yes");
    gov::CastVoteResponse resp;
    grpc::Status s = governance_->CastVote(&ctx, vote, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.proposal();
  }
  // Ends the voting period now (see the file comment) and waits for quota's answer.
  gov::Proposal CloseAndWaitForQuota(const std::string& id) {
    Sql("UPDATE governance.proposals SET closes_at = now() WHERE id = $1", id);
    gov::Proposal done;
    EXPECT_TRUE(Eventually(
        [&] {
          done = Get(id);
          for (const gov::ExecutionEntry& e : done.execution()) {
            if (e.service() == "quota" && e.state() != "pending") return true;
          }
          return false;
        },
        std::chrono::seconds(60)))
        << done.ShortDebugString();
    return done;
  }
  static const gov::ExecutionEntry* Entry(const gov::Proposal& p, const std::string& service) {
    for (const gov::ExecutionEntry& e : p.execution()) {
      if (e.service() == service) return &e;
    }
    return nullptr;
  }

  fs::path dir_;
  std::unique_ptr<gov::GovernanceService::Stub> governance_;
};

TEST_F(GovernanceTierE2eTest, PassedProposalLowersTheFreeStorageLimitWithoutARestart) {
  const std::string token = NewUserToken("frugal");
  Reply before = Upload(token, "first", 600 * 1024);
  ASSERT_EQ(before.code, 201) << before.body;

  Sql("UPDATE governance.parameters SET value = '0' WHERE key = 'proposal.enactmentDelaySeconds'");
  ASSERT_NO_FATAL_FAILURE(GrantAndStake("staker"));
  gov::Proposal created = Propose("staker", "tier.free.storageBytes", kNewFreeLimit);
  const std::string id = created.id();
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(created.state(), "open");
  ASSERT_EQ(created.impact().notes_size(), 1);
  EXPECT_NE(created.impact().notes(0).find("not available"), std::string::npos);
  EXPECT_EQ(VoteYes(id, "staker").votes().yes(), 50 * kToken);

  // Still open, so the old limit holds.
  Reply during = Upload(token, "during", 100 * 1024);
  EXPECT_EQ(during.code, 201) << during.body;

  gov::Proposal done = CloseAndWaitForQuota(id);
  EXPECT_EQ(done.state(), "executed");
  for (const gov::ExecutionEntry& e : done.execution()) {
    EXPECT_EQ(e.state(), "applied") << e.service() << ": " << e.reason();
  }

  // 700 KiB stored; 400 KiB more would pass 1 MB: refused. 100 KiB still fits.
  Reply over = Upload(token, "over", 400 * 1024);
  EXPECT_EQ(over.code, 403) << over.body;
  EXPECT_EQ(over.ErrorCode(), "QUOTA_EXCEEDED");
  Reply under = Upload(token, "under", 100 * 1024);
  EXPECT_EQ(under.code, 201) << under.body;

  grpc::ClientContext ctx;
  gov::ListParametersRequest list;
  list.set_prefix("tier.free.storageBytes");
  gov::ListParametersResponse params;
  ASSERT_TRUE(governance_->ListParameters(&ctx, list, &params).ok());
  ASSERT_EQ(params.parameters_size(), 1);
  EXPECT_EQ(params.parameters(0).value().number_value(), kNewFreeLimit);
  EXPECT_EQ(params.parameters(0).last_proposal_id(), id);
  EXPECT_EQ(params.parameters(0).owner(), "quota");
}

TEST_F(GovernanceTierE2eTest, QuotaAnswersAChangeItCannotApplyWithTheReason) {
  Sql("UPDATE governance.parameters SET value = '0' WHERE key = 'proposal.enactmentDelaySeconds'");
  ASSERT_NO_FATAL_FAILURE(GrantAndStake("dreamer"));
  // A tier name the registry accepts but quota does not have.
  gov::Proposal created = Propose("dreamer", "tier.platinum.storageBytes", 1e12);
  ASSERT_FALSE(created.id().empty());
  VoteYes(created.id(), "dreamer");
  gov::Proposal done = CloseAndWaitForQuota(created.id());
  EXPECT_EQ(done.state(), "executed");
  const gov::ExecutionEntry* own = Entry(done, "governance");
  const gov::ExecutionEntry* quota = Entry(done, "quota");
  ASSERT_NE(own, nullptr);
  ASSERT_NE(quota, nullptr);
  EXPECT_EQ(own->state(), "applied");
  EXPECT_EQ(quota->state(), "failed");
  EXPECT_EQ(quota->reason(), "unknown tier platinum");
}

}  // namespace
}  // namespace datamesh::e2e
