// The governance routes over real HTTP against an in-process fake of GovernanceService (and of
// AuthService, which resolves two bearer tokens): JSON in and out, the caller's identity forced
// into every acting field, admin-only routes, audit records, error mapping, statements, and
// every route in the OpenAPI document.
#include "services/gateway/routes/governance_routes.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "datamesh/auth/v1/auth.grpc.pb.h"
#include "prometheus/registry.h"
#include "services/gateway/api/openapi.h"
#include "services/gateway/http/test_util.h"
#include "services/gateway/routes/governance_convert.h"

namespace datamesh::gateway {
namespace {

namespace av1 = auth::v1;
namespace gv1 = governance::v1;
using google::protobuf::Struct;
namespace bhttp = http::testing::bhttp;
namespace beast = http::testing::beast;

// Resolves "alice-token" (a user) and "root-token" (an admin); records audit records.
class FakeAuth final : public av1::AuthService::Service {
 public:
  grpc::Status ValidateToken(grpc::ServerContext*, const av1::ValidateTokenRequest* req,
                             av1::ValidateTokenResponse* resp) override {
    if (req->token() == "alice-token") {
      resp->set_user_id("u-alice");
      resp->set_role("user");
    } else if (req->token() == "root-token") {
      resp->set_user_id("u-root");
      resp->set_role("admin");
    } else {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown token");
    }
    resp->set_credential_kind("session");
    return grpc::Status::OK;
  }
  grpc::Status RecordAudit(grpc::ServerContext*, const av1::RecordAuditRequest* req,
                           av1::RecordAuditResponse*) override {
    std::lock_guard lock(mu);
    audit.push_back(req->record());
    return grpc::Status::OK;
  }
  std::mutex mu;
  std::vector<av1::AuditRecord> audit;
};

// Remembers the last request of each RPC; answers `fail` instead when it is set.
class FakeGovernance final : public gv1::GovernanceService::Service {
 public:
  template <typename Req>
  grpc::Status Record(const std::string& rpc, const Req& req) {
    std::lock_guard lock(mu);
    last[rpc] = req.SerializeAsString();
    ++calls[rpc];
    return fail;
  }
  template <typename Req>
  Req Last(const std::string& rpc) {
    std::lock_guard lock(mu);
    Req req;
    req.ParseFromString(last[rpc]);
    return req;
  }
  int Calls(const std::string& rpc) {
    std::lock_guard lock(mu);
    return calls[rpc];
  }

  grpc::Status CreateProposal(grpc::ServerContext*, const gv1::CreateProposalRequest* req,
                              gv1::CreateProposalResponse* resp) override {
    gv1::Proposal& p = *resp->mutable_proposal();
    p.set_id("p-1");
    p.set_title(req->title());
    p.set_proposer(req->proposer_id());
    p.set_state("open");
    p.set_quorum(3'000'000'000'000);
    return Record("CreateProposal", *req);
  }
  grpc::Status GetProposal(grpc::ServerContext*, const gv1::GetProposalRequest* req,
                           gv1::GetProposalResponse* resp) override {
    resp->mutable_proposal()->set_id(req->proposal_id());
    return Record("GetProposal", *req);
  }
  grpc::Status ListProposals(grpc::ServerContext*, const gv1::ListProposalsRequest* req,
                             gv1::ListProposalsResponse* resp) override {
    resp->add_proposals()->set_id("p-1");
    resp->set_next_cursor("next");
    return Record("ListProposals", *req);
  }
  grpc::Status CastVote(grpc::ServerContext*, const gv1::CastVoteRequest* req,
                        gv1::CastVoteResponse* resp) override {
    resp->mutable_proposal()->set_id(req->proposal_id());
    resp->mutable_proposal()->mutable_votes()->set_yes(7);
    return Record("CastVote", *req);
  }
  grpc::Status RegisterOperator(grpc::ServerContext*, const gv1::RegisterOperatorRequest* req,
                                gv1::RegisterOperatorResponse* resp) override {
    resp->mutable_operator_()->set_account_id(req->account_id());
    resp->mutable_operator_()->set_state("pending");
    return Record("RegisterOperator", *req);
  }
  grpc::Status Stake(grpc::ServerContext*, const gv1::StakeRequest* req,
                     gv1::StakeResponse* resp) override {
    resp->mutable_balance()->set_account_id(req->account_id());
    resp->mutable_balance()->set_staked(req->amount());
    return Record("Stake", *req);
  }
  grpc::Status GetBalance(grpc::ServerContext*, const gv1::GetBalanceRequest* req,
                          gv1::GetBalanceResponse* resp) override {
    resp->mutable_balance()->set_account_id(req->account_id());
    resp->mutable_balance()->set_available(5'000'000'000'000'000'001ull);
    return Record("GetBalance", *req);
  }
  grpc::Status ListLedgerEntries(grpc::ServerContext*, const gv1::ListLedgerEntriesRequest* req,
                                 gv1::ListLedgerEntriesResponse* resp) override {
    gv1::LedgerEntry* e = resp->add_entries();
    e->set_id(req->page().cursor().empty() ? "e-2" : "e-1");
    e->set_transaction_id("t-1");
    e->set_account_id(req->account_id());
    e->set_amount(req->page().cursor().empty() ? -250 : 1'000'000);
    e->set_bucket("available");
    e->set_kind("transfer");
    e->set_reason(req->page().cursor().empty() ? "=HYPERLINK(\"x\")" : "rent, June");
    e->mutable_time()->set_seconds(1'800'000'000);
    if (req->page().cursor().empty()) resp->set_next_cursor("page-2");
    return Record("ListLedgerEntries", *req);
  }
  grpc::Status ExportStatement(grpc::ServerContext*, const gv1::ExportStatementRequest* req,
                               gv1::ExportStatementResponse* resp) override {
    resp->set_content_type(req->format() == "csv" ? "text/csv" : "application/json");
    resp->set_text(req->format() == "csv" ? "entry_id,amount\r\n1,5\r\n"
                                          : R"({"accountId":"x","entries":[]})");
    return Record("ExportStatement", *req);
  }
  grpc::Status Transfer(grpc::ServerContext*, const gv1::TransferRequest* req,
                        gv1::TransferResponse* resp) override {
    resp->mutable_balance()->set_account_id(req->from_account_id());
    return Record("Transfer", *req);
  }
  grpc::Status VerifyLedger(grpc::ServerContext*, const gv1::VerifyLedgerRequest* req,
                            gv1::VerifyLedgerResponse* resp) override {
    {
      std::lock_guard lock(mu);
      resp->set_ok(ledger_ok);
    }
    if (!resp->ok()) resp->add_violations("balance of x differs from its entries");
    return Record("VerifyLedger", *req);
  }
  grpc::Status GetOperatorChallenge(grpc::ServerContext*,
                                    const gv1::GetOperatorChallengeRequest* req,
                                    gv1::GetOperatorChallengeResponse* resp) override {
    resp->set_challenge(std::string(64, 'c'));
    return Record("GetOperatorChallenge", *req);
  }
  grpc::Status ClaimNode(grpc::ServerContext*, const gv1::ClaimNodeRequest* req,
                         gv1::ClaimNodeResponse* resp) override {
    resp->mutable_operator_()->add_nodes(req->proof().node_id());
    return Record("ClaimNode", *req);
  }
  grpc::Status Grant(grpc::ServerContext*, const gv1::GrantRequest* req,
                     gv1::GrantResponse* resp) override {
    resp->mutable_balance()->set_account_id(req->account_id());
    resp->mutable_balance()->set_available(req->amount());
    return Record("Grant", *req);
  }
  grpc::Status GetNodeReputation(grpc::ServerContext*, const gv1::GetNodeReputationRequest* req,
                                 gv1::GetNodeReputationResponse* resp) override {
    resp->mutable_reputation()->set_node_id(req->node_id());
    resp->mutable_reputation()->set_score(0.97);
    resp->mutable_reputation()->set_audits_failed(3);
    return Record("GetNodeReputation", *req);
  }

  std::mutex mu;
  std::map<std::string, std::string> last;
  std::map<std::string, int> calls;
  // What the next calls answer (set between requests, read by the handlers).
  void Fail(grpc::Status status) {
    std::lock_guard lock(mu);
    fail = std::move(status);
  }
  void LedgerOk(bool ok) {
    std::lock_guard lock(mu);
    ledger_ok = ok;
  }

  grpc::Status fail = grpc::Status::OK;
  bool ledger_ok = true;
};

struct Answer {
  int code = 0;
  std::string body;
  std::string content_type;
  Struct Json() const {
    Struct s;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(body, &s).ok()) << body;
    return s;
  }
  std::string ErrorCode() const {
    return Json().fields().at("error").struct_value().fields().at("code").string_value();
  }
};

class GovernanceRoutesTest : public http::testing::ServerFixture {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&auth_);
    builder.RegisterService(&governance_);
    grpc_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    const std::string address = "127.0.0.1:" + std::to_string(port);
    // Quota is this server too: it answers CheckApiCall UNIMPLEMENTED and the limiter admits.
    clients_ = std::make_unique<UpstreamClients>(
        UpstreamClients::Addresses{address, address, address, address});
    authenticator_ =
        std::make_unique<Authenticator>(*clients_, TokenCache::Options{}, absl::Seconds(10));
    limiter_ = std::make_unique<ApiCallLimiter>(*clients_, registry_, absl::Seconds(10));
    api_.clients = clients_.get();
    api_.authenticator = authenticator_.get();
    api_.limiter = limiter_.get();
    client_ = std::make_unique<GovernanceClient>(address);
    http::Router router;
    AddGovernanceRoutes(router, api_, *client_);
    StartServer(std::move(router));
  }
  void TearDown() override {
    server_.reset();
    if (grpc_) grpc_->Shutdown();
  }

  Answer Call(bhttp::verb method, const std::string& path, const std::string& token,
              const std::string& body = "") {
    auto socket = Connect();
    bhttp::request<bhttp::string_body> req(method, "/api/v1/governance" + path, 11);
    if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
    if (!body.empty()) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = body;
    }
    beast::flat_buffer buffer;
    http::testing::Response res = RoundTrip(socket, std::move(req), buffer);
    return Answer{static_cast<int>(res.result_int()), res.body(),
                  std::string(res[bhttp::field::content_type].data(),
                              res[bhttp::field::content_type].size())};
  }

  FakeAuth auth_;
  FakeGovernance governance_;
  std::unique_ptr<grpc::Server> grpc_;
  prometheus::Registry registry_;
  std::unique_ptr<UpstreamClients> clients_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<ApiCallLimiter> limiter_;
  ApiContext api_;
  std::unique_ptr<GovernanceClient> client_;
};

const google::protobuf::Value& Field(const Struct& s, const std::string& path) {
  const Struct* at = &s;
  std::vector<std::string> keys = absl::StrSplit(path, '.');
  for (size_t i = 0; i + 1 < keys.size(); ++i) at = &at->fields().at(keys[i]).struct_value();
  return at->fields().at(keys.back());
}

TEST_F(GovernanceRoutesTest, WithoutATokenNothingIsCalled) {
  EXPECT_EQ(Call(bhttp::verb::get, "/proposals", "").code, 401);
  EXPECT_EQ(Call(bhttp::verb::get, "/accounts/me", "bad-token").code, 401);
  EXPECT_EQ(governance_.Calls("ListProposals") + governance_.Calls("GetBalance"), 0);
}

TEST_F(GovernanceRoutesTest, CreateProposalActsForTheCallerAndAnswers201) {
  Answer a = Call(bhttp::verb::post, "/proposals", "alice-token",
                  R"({"title":"More parity","description":"d","type":"parameter_change",)"
                  R"("change":{"erasure.parityShards":3},"votingPeriodSeconds":3600})");
  ASSERT_EQ(a.code, 201) << a.body;
  const auto req = governance_.Last<gv1::CreateProposalRequest>("CreateProposal");
  EXPECT_EQ(req.proposer_id(), "u-alice");
  EXPECT_EQ(req.change().fields().at("erasure.parityShards").number_value(), 3);
  EXPECT_EQ(req.voting_period_seconds(), 3600u);
  const Struct body = a.Json();
  EXPECT_EQ(Field(body, "proposal.proposer").string_value(), "u-alice");
  // 64-bit amounts are JSON strings; zero tallies are printed, not left out.
  EXPECT_EQ(Field(body, "proposal.quorum").string_value(), "3000000000000");
  EXPECT_FALSE(Field(body, "proposal.id").string_value().empty());
}

TEST_F(GovernanceRoutesTest, ABodyNamingAnotherAccountIsRefusedAndNothingIsCalled) {
  const std::vector<std::pair<std::string, std::string>> attempts = {
      {"/proposals/p-1/vote", R"({"choice":"yes","voterId":"u-bob"})"},
      {"/proposals", R"({"title":"t","type":"text","change":{},"proposerId":"u-bob"})"},
      {"/stake/bond", R"({"amount":"5","accountId":"u-bob"})"},
      {"/operators", R"({"name":"n","accountId":"u-bob"})"},
  };
  for (const auto& [path, body] : attempts) {
    const bhttp::verb method = absl::EndsWith(path, "/vote") ? bhttp::verb::put : bhttp::verb::post;
    Answer a = Call(method, path, "alice-token", body);
    EXPECT_EQ(a.code, 403) << path << ": " << a.body;
    EXPECT_EQ(a.ErrorCode(), "PERMISSION_DENIED") << path;
  }
  EXPECT_EQ(governance_.Calls("CastVote") + governance_.Calls("CreateProposal") +
                governance_.Calls("Stake") + governance_.Calls("RegisterOperator"),
            0);
  // Naming oneself is allowed.
  Answer a = Call(bhttp::verb::put, "/proposals/p-1/vote", "alice-token",
                  R"({"choice":"no","voterId":"u-alice"})");
  EXPECT_EQ(a.code, 200) << a.body;
}

TEST_F(GovernanceRoutesTest, AVoteIsForThePathsProposalByTheCaller) {
  Answer a = Call(bhttp::verb::put, "/proposals/p-9/vote", "alice-token", R"({"choice":"yes"})");
  ASSERT_EQ(a.code, 200) << a.body;
  const auto req = governance_.Last<gv1::CastVoteRequest>("CastVote");
  EXPECT_EQ(req.proposal_id(), "p-9");
  EXPECT_EQ(req.voter_id(), "u-alice");
  EXPECT_EQ(req.choice(), "yes");
  EXPECT_EQ(Field(a.Json(), "proposal.votes.yes").string_value(), "7");
  a = Call(bhttp::verb::put, "/proposals/p-9/vote", "alice-token",
           R"({"choice":"yes","proposalId":"p-8"})");
  EXPECT_EQ(a.code, 400) << a.body;
  EXPECT_EQ(Call(bhttp::verb::put, "/proposals/p-9/vote", "alice-token", R"({"pick":"yes"})").code,
            400);
  EXPECT_EQ(governance_.Calls("CastVote"), 1);
}

TEST_F(GovernanceRoutesTest, ServiceErrorsMapToTheDocumentedAnswers) {
  struct Case {
    grpc::StatusCode code;
    int http;
    std::string api_code;
  };
  for (const Case& c :
       std::vector<Case>{{grpc::StatusCode::FAILED_PRECONDITION, 409, "FAILED_PRECONDITION"},
                         {grpc::StatusCode::NOT_FOUND, 404, "NOT_FOUND"},
                         {grpc::StatusCode::INVALID_ARGUMENT, 400, "INVALID_ARGUMENT"},
                         {grpc::StatusCode::ALREADY_EXISTS, 409, "ALREADY_EXISTS"},
                         {grpc::StatusCode::PERMISSION_DENIED, 403, "PERMISSION_DENIED"},
                         {grpc::StatusCode::UNAVAILABLE, 503, "UNAVAILABLE"},
                         {grpc::StatusCode::UNIMPLEMENTED, 501, "NOT_IMPLEMENTED"},
                         {grpc::StatusCode::INTERNAL, 500, "INTERNAL"}}) {
    governance_.Fail(grpc::Status(c.code, "voting closed; pq: relation governance.votes"));
    Answer a = Call(bhttp::verb::put, "/proposals/p-1/vote", "alice-token", R"({"choice":"no"})");
    EXPECT_EQ(a.code, c.http) << a.body;
    EXPECT_EQ(a.ErrorCode(), c.api_code) << a.body;
    if (c.http >= 500) {
      EXPECT_FALSE(absl::StrContains(a.body, "pq:")) << a.body;
    }
  }
  governance_.Fail(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "voting closed"));
  Answer a = Call(bhttp::verb::put, "/proposals/p-1/vote", "alice-token", R"({"choice":"no"})");
  EXPECT_TRUE(absl::StrContains(a.body, "voting closed")) << a.body;
}

TEST_F(GovernanceRoutesTest, AmountsAreStringsOfMicroTokensAndBadOnesAreRefused) {
  Answer a = Call(bhttp::verb::get, "/accounts/me", "alice-token");
  ASSERT_EQ(a.code, 200) << a.body;
  EXPECT_EQ(Field(a.Json(), "balance.available").string_value(), "5000000000000000001");
  EXPECT_EQ(governance_.Last<gv1::GetBalanceRequest>("GetBalance").account_id(), "u-alice");

  a = Call(bhttp::verb::post, "/stake/bond", "alice-token", R"({"amount":"1500000"})");
  ASSERT_EQ(a.code, 200) << a.body;
  EXPECT_EQ(governance_.Last<gv1::StakeRequest>("Stake").amount(), 1'500'000u);
  EXPECT_EQ(governance_.Last<gv1::StakeRequest>("Stake").account_id(), "u-alice");
  EXPECT_EQ(Field(a.Json(), "balance.staked").string_value(), "1500000");
  for (const char* bad : {R"({"amount":-1})", R"({"amount":"1.5"})", R"({"amount":"x"})",
                          R"({"amount":"18446744073709551616"})", "{", ""}) {
    EXPECT_EQ(Call(bhttp::verb::post, "/stake/bond", "alice-token", bad).code, 400) << bad;
  }
  EXPECT_EQ(governance_.Calls("Stake"), 1);
}

TEST_F(GovernanceRoutesTest, AdminRoutesNeedTheRoleAndGrantsAreAudited) {
  const std::string grant = R"({"accountId":"u-bob","amount":"1000000","reason":"bootstrap"})";
  Answer a = Call(bhttp::verb::post, "/grants", "alice-token", grant);
  EXPECT_EQ(a.code, 403) << a.body;
  EXPECT_EQ(Call(bhttp::verb::get, "/accounts/treasury", "alice-token").code, 403);
  EXPECT_EQ(governance_.Calls("Grant") + governance_.Calls("GetBalance"), 0);

  a = Call(bhttp::verb::post, "/grants", "root-token", grant);
  ASSERT_EQ(a.code, 200) << a.body;
  const auto req = governance_.Last<gv1::GrantRequest>("Grant");
  EXPECT_EQ(req.actor_id(), "u-root");
  EXPECT_TRUE(req.actor_is_admin());
  EXPECT_EQ(req.account_id(), "u-bob");
  EXPECT_EQ(req.amount(), 1'000'000u);
  {
    std::lock_guard lock(auth_.mu);
    ASSERT_EQ(auth_.audit.size(), 1u);
    EXPECT_EQ(auth_.audit[0].action(), "admin.governance.grant");
    EXPECT_EQ(auth_.audit[0].actor(), "u-root");
    EXPECT_EQ(auth_.audit[0].target(), "u-bob");
    EXPECT_EQ(auth_.audit[0].outcome(), "success");
  }
  governance_.Fail(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "treasury too low"));
  EXPECT_EQ(Call(bhttp::verb::post, "/grants", "root-token", grant).code, 409);
  {
    std::lock_guard lock(auth_.mu);
    ASSERT_EQ(auth_.audit.size(), 2u);
    EXPECT_EQ(auth_.audit[1].outcome(), "failure");
  }
  governance_.Fail(grpc::Status::OK);
  a = Call(bhttp::verb::get, "/accounts/treasury", "root-token");
  ASSERT_EQ(a.code, 200) << a.body;
  EXPECT_EQ(Field(a.Json(), "balance.accountId").string_value(), "treasury");
}

TEST_F(GovernanceRoutesTest, StatementsAreTheCallersExportedAsAsked) {
  Answer a = Call(bhttp::verb::get, "/accounts/me/statement?format=csv", "alice-token");
  ASSERT_EQ(a.code, 200) << a.body;
  EXPECT_TRUE(absl::StartsWith(a.content_type, "text/csv")) << a.content_type;
  EXPECT_EQ(a.body, "entry_id,amount\r\n1,5\r\n");
  auto req = governance_.Last<gv1::ExportStatementRequest>("ExportStatement");
  EXPECT_EQ(req.account_id(), "u-alice");
  EXPECT_EQ(req.format(), "csv");
  a = Call(bhttp::verb::get, "/accounts/me/statement", "alice-token");
  ASSERT_EQ(a.code, 200) << a.body;
  EXPECT_EQ(a.content_type, "application/json");
  EXPECT_EQ(governance_.Last<gv1::ExportStatementRequest>("ExportStatement").format(), "json");
  EXPECT_EQ(Call(bhttp::verb::get, "/accounts/me/statement?format=xml", "alice-token").code, 400);
  EXPECT_EQ(governance_.Calls("ExportStatement"), 2);
}

TEST_F(GovernanceRoutesTest, EntriesAreOnePageOfTheCallersLedger) {
  Answer a = Call(bhttp::verb::get, "/accounts/me/entries?limit=5&cursor=page-2", "alice-token");
  ASSERT_EQ(a.code, 200) << a.body;
  const auto req = governance_.Last<gv1::ListLedgerEntriesRequest>("ListLedgerEntries");
  EXPECT_EQ(req.account_id(), "u-alice");
  EXPECT_EQ(req.page().limit(), 5u);
  EXPECT_EQ(req.page().cursor(), "page-2");
  const Struct body = a.Json();
  const Struct& entry = Field(body, "entries").list_value().values(0).struct_value();
  EXPECT_EQ(entry.fields().at("amount").string_value(), "1000000");  // int64: a string
  EXPECT_EQ(Call(bhttp::verb::get, "/accounts/me/entries?limit=0", "alice-token").code, 400);
  EXPECT_EQ(governance_.Calls("ListLedgerEntries"), 1);
}

TEST_F(GovernanceRoutesTest, TransfersLeaveFromTheCallersAccount) {
  Answer a = Call(bhttp::verb::post, "/transfers", "alice-token",
                  R"({"toAccountId":"u-bob","amount":"250","reason":"rent"})");
  ASSERT_EQ(a.code, 200) << a.body;
  const auto req = governance_.Last<gv1::TransferRequest>("Transfer");
  EXPECT_EQ(req.from_account_id(), "u-alice");
  EXPECT_EQ(req.to_account_id(), "u-bob");
  EXPECT_EQ(req.amount(), 250u);
  a = Call(bhttp::verb::post, "/transfers", "alice-token",
           R"({"fromAccountId":"u-bob","toAccountId":"u-alice","amount":"250"})");
  EXPECT_EQ(a.code, 403) << a.body;
  EXPECT_EQ(governance_.Calls("Transfer"), 1);
}

TEST_F(GovernanceRoutesTest, NodeClaimsAreTheCallers) {
  Answer a = Call(bhttp::verb::post, "/operators/challenge", "alice-token");
  ASSERT_EQ(a.code, 200) << a.body;
  EXPECT_EQ(governance_.Last<gv1::GetOperatorChallengeRequest>("GetOperatorChallenge").account_id(),
            "u-alice");
  a = Call(bhttp::verb::post, "/operators/me/nodes", "alice-token",
           R"({"challenge":"cc","proof":{"nodeId":"n1","publicKey":"k","signature":"s"}})");
  ASSERT_EQ(a.code, 200) << a.body;
  const auto req = governance_.Last<gv1::ClaimNodeRequest>("ClaimNode");
  EXPECT_EQ(req.account_id(), "u-alice");
  EXPECT_EQ(req.proof().node_id(), "n1");
  EXPECT_EQ(Call(bhttp::verb::post, "/operators/me/nodes", "alice-token",
                 R"({"accountId":"u-bob","challenge":"cc"})")
                .code,
            403);
}

TEST_F(GovernanceRoutesTest, LedgerChecksAreForAdminsAndAudited) {
  EXPECT_EQ(Call(bhttp::verb::post, "/ledger/verify", "alice-token").code, 403);
  EXPECT_EQ(governance_.Calls("VerifyLedger"), 0);
  Answer a = Call(bhttp::verb::post, "/ledger/verify", "root-token");
  ASSERT_EQ(a.code, 200) << a.body;
  const auto req = governance_.Last<gv1::VerifyLedgerRequest>("VerifyLedger");
  EXPECT_EQ(req.actor_id(), "u-root");
  EXPECT_TRUE(req.actor_is_admin());
  governance_.LedgerOk(false);
  a = Call(bhttp::verb::post, "/ledger/verify", "root-token");
  ASSERT_EQ(a.code, 200) << a.body;
  EXPECT_FALSE(Field(a.Json(), "ok").bool_value());
  std::lock_guard lock(auth_.mu);
  ASSERT_EQ(auth_.audit.size(), 2u);
  EXPECT_EQ(auth_.audit[0].action(), "admin.governance.verify");
  EXPECT_EQ(auth_.audit[0].outcome(), "success");
  EXPECT_EQ(auth_.audit[1].outcome(), "failure");
}

TEST_F(GovernanceRoutesTest, ListsPassStateAndPage) {
  Answer a = Call(bhttp::verb::get, "/proposals?state=open&limit=5&cursor=c1", "alice-token");
  ASSERT_EQ(a.code, 200) << a.body;
  const auto req = governance_.Last<gv1::ListProposalsRequest>("ListProposals");
  EXPECT_EQ(req.state(), "open");
  EXPECT_EQ(req.page().limit(), 5u);
  EXPECT_EQ(req.page().cursor(), "c1");
  EXPECT_EQ(Field(a.Json(), "nextCursor").string_value(), "next");
  EXPECT_EQ(Call(bhttp::verb::get, "/proposals?limit=1001", "alice-token").code, 400);
}

TEST_F(GovernanceRoutesTest, NodeReputationIsThePathsNodeForAnySignedInCaller) {
  const std::string node(64, 'a');
  Answer a = Call(bhttp::verb::get, "/nodes/" + node + "/reputation", "alice-token");
  ASSERT_EQ(a.code, 200) << a.body;
  EXPECT_EQ(governance_.Last<gv1::GetNodeReputationRequest>("GetNodeReputation").node_id(), node);
  const Struct body = a.Json();
  EXPECT_EQ(Field(body, "reputation.nodeId").string_value(), node);
  EXPECT_DOUBLE_EQ(Field(body, "reputation.score").number_value(), 0.97);
  EXPECT_EQ(Field(body, "reputation.auditsFailed").string_value(), "3");  // uint64: a string
  EXPECT_EQ(Call(bhttp::verb::get, "/nodes/" + node + "/reputation", "").code, 401);
  governance_.Fail(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such storage node"));
  EXPECT_EQ(Call(bhttp::verb::get, "/nodes/" + node + "/reputation", "alice-token").code, 404);
}

TEST(GovernanceConvert, BindAccountFillsOrRefuses) {
  Caller alice{.user_id = "u-alice"};
  std::string field;
  EXPECT_TRUE(BindAccount(alice, "voterId", &field).ok());
  EXPECT_EQ(field, "u-alice");
  field = "u-bob";
  EXPECT_EQ(BindAccount(alice, "voterId", &field).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(field, "u-bob");
}

TEST(GovernanceRoutes, EveryRouteIsInTheOpenApiDocument) {
  ApiContext api;
  GovernanceClient client("127.0.0.1:1");  // connects lazily: never here
  http::Router router;
  AddGovernanceRoutes(router, api, client);
  Struct doc;
  const std::string_view json = OpenApiJson();
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(std::string(json.data(), json.size()), &doc)
          .ok());
  const Struct& paths = doc.fields().at("paths").struct_value();
  // 18 + invoices, epochs and paystubs (6) + a node's reputation
  EXPECT_EQ(router.routes().size(), 25u);
  for (const http::Router::Route& route : router.routes()) {
    auto path = paths.fields().find(route.pattern);
    ASSERT_NE(path, paths.fields().end()) << route.pattern << " is missing";
    EXPECT_TRUE(path->second.struct_value().fields().count(absl::AsciiStrToLower(route.method)) > 0)
        << route.method << " " << route.pattern;
  }
}

}  // namespace
}  // namespace datamesh::gateway
