// Governance through the gateway on the whole stack, as users drive it over REST and the CLI: the
// admin grants tokens from the treasury, users bond stake, one proposes and others vote; lists,
// single reads, balances and statements reflect it; a WebSocket session of a user who took no
// part sees the proposal and the votes; nobody acts as another account and only admins grant,
// over REST or the public gRPC endpoint.
#include <google/protobuf/struct.pb.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "datamesh/governance/v1/governance.grpc.pb.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "tests/e2e/e2e_util.h"

namespace datamesh {
namespace {

using ::datamesh::testing::TestStack;
using e2e::List;
using e2e::Obj;
using e2e::Reply;
using e2e::Str;
using google::protobuf::Struct;
namespace fs = std::filesystem;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

constexpr uint64_t kToken = 1'000'000;  // micro-tokens

std::string Micro(uint64_t tokens) { return std::to_string(tokens * kToken); }

// A WebSocket session whose every read is bounded in time.
class FeedClient {
 public:
  FeedClient() : ws_(ioc_) {}

  bool Open(uint16_t port, const std::string& token) {
    beast::get_lowest_layer(ws_).connect(
        net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    beast::error_code ec;
    ws_.handshake("127.0.0.1", "/api/v1/ws?token=" + token, ec);
    return !ec;
  }

  // Reads frames until one of `type` whose data names `proposal_id`; nullopt after a 30 s read.
  std::optional<Struct> Until(const std::string& type, const std::string& proposal_id) {
    for (int i = 0; i < 1000; ++i) {
      beast::flat_buffer buffer;
      bool done = false;
      beast::error_code ec;
      ws_.async_read(buffer, [&](beast::error_code e, size_t) {
        ec = e;
        done = true;
      });
      ioc_.restart();
      ioc_.run_for(std::chrono::seconds(30));
      if (!done) {
        beast::get_lowest_layer(ws_).cancel();
        ioc_.restart();
        ioc_.run();
        return std::nullopt;
      }
      if (ec) return std::nullopt;
      Struct frame = e2e::ParseJson(beast::buffers_to_string(buffer.data()));
      if (Str(frame, "type") == type && Str(Obj(frame, "data"), "proposalId") == proposal_id) {
        return frame;
      }
    }
    return std::nullopt;
  }

 private:
  net::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
};

struct Account {
  std::string id;
  std::string token;
};

class GovernanceE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto stack = TestStack::Start({.services = true, .chunk_stores = 1});
    ASSERT_OK(stack);
    stack_ = stack->release();
    dir_ = new fs::path(fs::path(stack_->dir()) / "e2e-governance");
    fs::create_directories(*dir_);
    admin_ = new Account(Login("admin", std::string(absl::StripAsciiWhitespace(e2e::ReadFile(
                                            fs::path(stack_->dir()) / "admin-password")))));
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
    delete dir_;
    delete admin_;
  }

  static Reply Api(const std::string& method, const std::string& path, const std::string& token,
                   const std::string& body = "") {
    std::vector<std::string> args;
    if (!body.empty()) {
      e2e::WriteFile(*dir_ / "req.json", body);
      args = {"-H 'Content-Type: application/json'",
              "--data-binary @" + e2e::Quote((*dir_ / "req.json").string())};
    }
    return e2e::CurlHttp(*dir_).Call(method, stack_->Env("DM_GATEWAY_URL") + "/api/v1" + path, args,
                                     token);
  }
  static Account Login(const std::string& user, const std::string& password) {
    Reply r = Api("POST", "/auth/login", "",
                  absl::StrCat(R"({"username":")", user, R"(","password":")", password, R"("})"));
    EXPECT_EQ(r.code, 200) << r.body;
    return {Str(Obj(r.Json(), "user"), "id"), Str(r.Json(), "token")};
  }
  static Account NewUser(const std::string& name) {
    Reply r = Api("POST", "/auth/register", "",
                  absl::StrCat(R"({"username":")", name, R"(","email":")", name,
                               R"(@example.com","password":"correct-horse-1"})"));
    EXPECT_EQ(r.code, 201) << r.body;
    return Login(name, "correct-horse-1");
  }
  static uint16_t GatewayPort() {
    const std::string url = stack_->Env("DM_GATEWAY_URL");
    return static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  }

  static Reply Grant(const std::string& token, const std::string& account, uint64_t tokens) {
    return Api("POST", "/governance/grants", token,
               absl::StrCat(R"({"accountId":")", account, R"(","amount":")", Micro(tokens),
                            R"(","reason":"e2e bootstrap"})"));
  }
  static Struct Balance(const Account& who) {
    Reply r = Api("GET", "/governance/accounts/me", who.token);
    EXPECT_EQ(r.code, 200) << r.body;
    return Obj(r.Json(), "balance");
  }

  static TestStack* stack_;
  static fs::path* dir_;
  static Account* admin_;
};
TestStack* GovernanceE2eTest::stack_ = nullptr;
fs::path* GovernanceE2eTest::dir_ = nullptr;
Account* GovernanceE2eTest::admin_ = nullptr;

TEST_F(GovernanceE2eTest, GrantStakeProposeVoteAndReadItBack) {
  const Account alice = NewUser("gov_alice");
  const Account bob = NewUser("gov_bob");
  const Account carol = NewUser("gov_carol");  // takes no part: watches the live feed
  FeedClient feed;
  ASSERT_TRUE(feed.Open(GatewayPort(), carol.token));

  // The admin grants from the treasury; each grant is audited.
  Reply r = Grant(admin_->token, alice.id, 100);
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(Str(Obj(r.Json(), "balance"), "available"), Micro(100));
  ASSERT_EQ(Grant(admin_->token, bob.id, 50).code, 200);
  r = Api("GET", "/admin/audit?action=admin.governance.grant", admin_->token);
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_GE(List(r.Json(), "records").size(), 2u) << r.body;

  // Both bond stake before the proposal opens: its snapshot holds their power.
  r = Api("POST", "/governance/stake/bond", alice.token, R"({"amount":")" + Micro(20) + R"("})");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(Str(Obj(r.Json(), "balance"), "staked"), Micro(20));
  ASSERT_EQ(
      Api("POST", "/governance/stake/bond", bob.token, R"({"amount":")" + Micro(30) + R"("})").code,
      200);

  r = Api("POST", "/governance/proposals", alice.token,
          R"({"title":"Publish the roadmap","description":"A text proposal.","type":"text",)"
          R"("change":{},"votingPeriodSeconds":3600})");
  ASSERT_EQ(r.code, 201) << r.body;
  const Struct created = Obj(r.Json(), "proposal");
  const std::string id = Str(created, "id");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(Str(created, "proposer"), alice.id);
  EXPECT_EQ(Str(created, "state"), "open");
  EXPECT_TRUE(feed.Until("governance:proposal:created", id).has_value());

  r = Api("PUT", "/governance/proposals/" + id + "/vote", bob.token, R"({"choice":"yes"})");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(Str(Obj(Obj(r.Json(), "proposal"), "votes"), "yes"), Micro(30));
  EXPECT_TRUE(feed.Until("governance:vote:cast", id).has_value());
  ASSERT_EQ(
      Api("PUT", "/governance/proposals/" + id + "/vote", alice.token, R"({"choice":"no"})").code,
      200);

  // One read and the list agree on the tally.
  r = Api("GET", "/governance/proposals/" + id, carol.token);
  ASSERT_EQ(r.code, 200) << r.body;
  const Struct votes = Obj(Obj(r.Json(), "proposal"), "votes");
  EXPECT_EQ(Str(votes, "yes"), Micro(30));
  EXPECT_EQ(Str(votes, "no"), Micro(20));
  r = Api("GET", "/governance/proposals?state=open", carol.token);
  ASSERT_EQ(r.code, 200) << r.body;
  bool listed = false;
  for (const Struct& p : List(r.Json(), "proposals")) {
    if (Str(p, "id") != id) continue;
    listed = true;
    EXPECT_EQ(Str(Obj(p, "votes"), "yes"), Micro(30));
  }
  EXPECT_TRUE(listed) << r.body;

  // Alice: 100 granted, 20 bonded, 10 in the proposal's escrow.
  const Struct balance = Balance(alice);
  EXPECT_EQ(Str(balance, "available"), Micro(70));
  EXPECT_EQ(Str(balance, "staked"), Micro(20));
  r = Api("GET", "/governance/accounts/me/statement?format=csv", alice.token);
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_TRUE(absl::StartsWith(r.body, "entry_id,transaction_id,time,kind,bucket,amount,reason"))
      << r.body;
  EXPECT_TRUE(absl::StrContains(r.body, "e2e bootstrap")) << r.body;
}

TEST_F(GovernanceE2eTest, NobodyActsAsAnotherAccountAndOnlyAdminsGrant) {
  const Account dan = NewUser("gov_dan");
  const Account erin = NewUser("gov_erin");
  ASSERT_EQ(Grant(admin_->token, dan.id, 40).code, 200);
  ASSERT_EQ(Grant(admin_->token, erin.id, 40).code, 200);
  ASSERT_EQ(
      Api("POST", "/governance/stake/bond", erin.token, R"({"amount":")" + Micro(5) + R"("})").code,
      200);
  ASSERT_EQ(
      Api("POST", "/governance/stake/bond", dan.token, R"({"amount":")" + Micro(5) + R"("})").code,
      200);
  Reply r = Api("POST", "/governance/proposals", dan.token,
                R"({"title":"Another","type":"text","change":{},"votingPeriodSeconds":3600})");
  ASSERT_EQ(r.code, 201) << r.body;
  const std::string id = Str(Obj(r.Json(), "proposal"), "id");

  // Dan cannot cast Erin's vote, bond her stake or propose in her name.
  r = Api("PUT", "/governance/proposals/" + id + "/vote", dan.token,
          absl::StrCat(R"({"choice":"yes","voterId":")", erin.id, R"("})"));
  EXPECT_EQ(r.code, 403) << r.body;
  EXPECT_EQ(r.ErrorCode(), "PERMISSION_DENIED");
  r = Api("POST", "/governance/stake/bond", dan.token,
          absl::StrCat(R"({"amount":"1000000","accountId":")", erin.id, R"("})"));
  EXPECT_EQ(r.code, 403) << r.body;
  r = Api("GET", "/governance/proposals/" + id, erin.token);
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(Str(Obj(Obj(r.Json(), "proposal"), "votes"), "yes"), "0") << r.body;
  EXPECT_EQ(Str(Balance(erin), "staked"), Micro(5));

  // Grants and other accounts' balances are for admins.
  r = Grant(dan.token, dan.id, 1000);
  EXPECT_EQ(r.code, 403) << r.body;
  EXPECT_EQ(r.ErrorCode(), "PERMISSION_DENIED");
  EXPECT_EQ(Api("GET", "/governance/accounts/" + erin.id, dan.token).code, 403);
  EXPECT_EQ(Str(Balance(dan), "available"), Micro(25));  // 40 - 5 staked - 10 deposit
  r = Api("GET", "/governance/accounts/treasury", admin_->token);
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_FALSE(Str(Obj(r.Json(), "balance"), "available").empty());

  // A rule refusal is a 409 with its reason: Erin cannot bond more than she holds.
  r = Api("POST", "/governance/stake/bond", erin.token, R"({"amount":")" + Micro(1000) + R"("})");
  EXPECT_EQ(r.code, 409) << r.body;
  EXPECT_EQ(r.ErrorCode(), "FAILED_PRECONDITION");
}

// The public gRPC endpoint binds the acting account to the caller instead of refusing: a vote
// sent in another account's name counts as the caller's own.
TEST_F(GovernanceE2eTest, PublicGrpcActsForTheCaller) {
  namespace gv1 = governance::v1;
  const Account gina = NewUser("gov_gina");
  const Account hal = NewUser("gov_hal");
  ASSERT_EQ(Grant(admin_->token, gina.id, 20).code, 200);
  ASSERT_EQ(Grant(admin_->token, hal.id, 20).code, 200);
  auto stub = gv1::GovernanceService::NewStub(
      grpc::CreateChannel(stack_->Env("DM_GATEWAY_GRPC_ADDR"), grpc::InsecureChannelCredentials()));
  auto ctx = [](const Account& who) {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    c->AddMetadata("authorization", "Bearer " + who.token);
    return c;
  };
  for (const Account* who : {&gina, &hal}) {
    gv1::StakeRequest stake;
    stake.set_account_id(admin_->id);  // ignored: the caller stakes
    stake.set_amount(4 * kToken);
    gv1::StakeResponse staked;
    grpc::Status s = stub->Stake(ctx(*who).get(), stake, &staked);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(staked.balance().account_id(), who->id);
  }
  gv1::CreateProposalRequest create;
  create.set_title("Over gRPC");
  create.set_type("text");
  create.set_voting_period_seconds(3600);
  gv1::CreateProposalResponse created;
  grpc::Status s = stub->CreateProposal(ctx(gina).get(), create, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(created.proposal().proposer(), gina.id);
  gv1::CastVoteRequest vote;
  vote.set_proposal_id(created.proposal().id());
  vote.set_voter_id(gina.id);  // Hal names Gina: the vote is Hal's
  vote.set_choice("no");
  gv1::CastVoteResponse voted;
  s = stub->CastVote(ctx(hal).get(), vote, &voted);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(voted.proposal().votes().no(), 4 * kToken);
  gv1::GrantRequest grant;
  grant.set_account_id(hal.id);
  grant.set_amount(kToken);
  grant.set_actor_is_admin(true);  // a claim the gateway does not believe
  gv1::GrantResponse granted;
  EXPECT_EQ(stub->Grant(ctx(hal).get(), grant, &granted).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(GovernanceE2eTest, TheCliDrivesTheSameFlow) {
  const Account frank = NewUser("gov_frank");
  ASSERT_EQ(Grant(admin_->token, frank.id, 30).code, 200);
  const fs::path config = *dir_ / "cli-frank";
  const std::string cli = absl::StrCat(e2e::Quote(TestStack::BinaryDir() + "/bin/datamesh"),
                                       " --endpoint ", e2e::Quote(stack_->Env("DM_GATEWAY_URL")),
                                       " --config-dir ", e2e::Quote(config.string()));
  auto run = [&](const std::string& args) {
    return testing::RunCommand(absl::StrCat(cli, " ", args));
  };
  ASSERT_OK(testing::RunCommand(absl::StrCat("printf 'correct-horse-1\\n' | ", cli,
                                             " login gov_frank --password-stdin"))
                .status());
  absl::StatusOr<std::string> out = run("stake bond 12.5");
  ASSERT_OK(out.status());
  EXPECT_TRUE(absl::StrContains(*out, "12.5")) << *out;
  out = run("wallet balance");
  ASSERT_OK(out.status());
  EXPECT_TRUE(absl::StrContains(*out, "17.5")) << *out;  // available: 30 - 12.5
  out = run("proposals create --title 'From the CLI' --type text --voting-period 3600");
  ASSERT_OK(out.status());
  EXPECT_TRUE(absl::StrContains(*out, "From the CLI")) << *out;
  out = run("--json proposals list --state open");
  ASSERT_OK(out.status());
  EXPECT_TRUE(absl::StrContains(*out, "From the CLI")) << *out;
  out = run("wallet statement --csv");
  ASSERT_OK(out.status());
  EXPECT_TRUE(absl::StartsWith(*out, "entry_id,transaction_id")) << *out;
  out = run("parameters --prefix voting.");
  ASSERT_OK(out.status());
  EXPECT_TRUE(absl::StrContains(*out, "voting.quorum")) << *out;
  // A refused vote exits non-zero with the server's reason.
  EXPECT_FALSE(run("proposals vote no-such-proposal yes").ok());
}

}  // namespace
}  // namespace datamesh
