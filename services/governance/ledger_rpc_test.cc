// The ledger and operator RPCs of GovernanceServiceImpl over a real PostgreSQL and NATS: admin
// checks, transfers, unbonding shown in the balance and released by the tick, statements,
// VerifyLedger, and an operator admitted by stake whose event reaches JetStream.
#include <gtest/gtest.h>

#include "governance_migrations.h"
#include "services/governance/governance_service.h"
#include "services/governance/ledger/ledger.h"
#include "services/governance/ledger_worker.h"
#include "services/governance/operators/node_proof.h"
#include "shared/bus/bus.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/random.h"
#include "shared/crypto/signature.h"
#include "shared/pg/migrations.h"
#include "shared/pg/pool.h"
#include "shared/testing/wait_for.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::governance {
namespace {

namespace gv1 = governance::v1;

class LedgerRpcTest : public testing::WithTestStack {
 protected:
  void SetUp() override {
    ASSERT_NE(stack_, nullptr);
    pg::PoolOptions po;
    po.url = stack_->pg_url();
    auto pool = pg::Pool::Create(po);
    ASSERT_OK(pool);
    pool_ = std::move(*pool);
    ASSERT_OK(pg::ApplyMigrations(*pool_, "governance", governance_migrations()));
    ASSERT_OK(EnsureLedgerGenesis(*pool_));
    bus::BusOptions bo;
    bo.url = stack_->nats_url();
    bo.client_name = "governance-ledger-rpc-test";
    auto b = bus::Bus::Connect(bo);
    ASSERT_OK(b);
    bus_ = std::move(*b);
    ASSERT_OK(bus_->EnsureStream(bus::DurableEventsStream()));
    service_ = std::make_unique<GovernanceServiceImpl>(
        *pool_, bus_.get(),
        GovernanceDeps{"governance/test", [this] { return absl::FromUnixMicros(now_micros_); }});
  }

  void SetParam(const std::string& key, const std::string& json) {
    ASSERT_OK(pool_->Transact([&](pqxx::work& tx) {
      tx.exec_params0("UPDATE governance.parameters SET value = $2::jsonb WHERE key = $1", key,
                      json);
      return absl::OkStatus();
    }));
  }

  std::string Funded(uint64_t amount) {
    const std::string account = "rpc-" + bus::NewUuidV4();
    gv1::GrantRequest req;
    req.set_actor_id("admin");
    req.set_actor_is_admin(true);
    req.set_account_id(account);
    req.set_amount(amount);
    gv1::GrantResponse resp;
    EXPECT_TRUE(service_->Grant(nullptr, &req, &resp).ok());
    return account;
  }

  gv1::Balance Balance(const std::string& account) {
    gv1::GetBalanceRequest req;
    req.set_account_id(account);
    gv1::GetBalanceResponse resp;
    EXPECT_TRUE(service_->GetBalance(nullptr, &req, &resp).ok());
    return resp.balance();
  }

  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<bus::Bus> bus_;
  std::unique_ptr<GovernanceServiceImpl> service_;
  int64_t now_micros_ = absl::ToUnixMicros(absl::FromUnixSeconds(1'900'000'000));
};

TEST_F(LedgerRpcTest, AdminOnlyCallsRefuseOthers) {
  gv1::GrantRequest grant;
  grant.set_account_id("someone");
  grant.set_amount(5);
  gv1::GrantResponse grant_resp;
  EXPECT_EQ(service_->Grant(nullptr, &grant, &grant_resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Balance("someone").available(), 0u);
  gv1::VerifyLedgerRequest verify;
  gv1::VerifyLedgerResponse verify_resp;
  EXPECT_EQ(service_->VerifyLedger(nullptr, &verify, &verify_resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  verify.set_actor_is_admin(true);
  ASSERT_TRUE(service_->VerifyLedger(nullptr, &verify, &verify_resp).ok());
  EXPECT_TRUE(verify_resp.ok()) << verify_resp.DebugString();
  EXPECT_EQ(verify_resp.supply_issued(), 1'000'000'000'000'000u);
}

TEST_F(LedgerRpcTest, TransferMovesAvailableTokensOnceAndRefusesOverdrafts) {
  const std::string from = Funded(1'000), to = "rpc-" + bus::NewUuidV4();
  gv1::TransferRequest req;
  req.set_from_account_id(from);
  req.set_to_account_id(to);
  req.set_amount(400);
  req.set_reason("rent");
  req.set_idempotency_key("k1");
  gv1::TransferResponse resp;
  ASSERT_TRUE(service_->Transfer(nullptr, &req, &resp).ok());
  ASSERT_TRUE(service_->Transfer(nullptr, &req, &resp).ok());  // a retry: no second move
  EXPECT_EQ(resp.balance().available(), 600u);
  EXPECT_EQ(Balance(to).available(), 400u);
  req.set_idempotency_key("k2");
  req.set_amount(601);
  EXPECT_EQ(service_->Transfer(nullptr, &req, &resp).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  req.set_amount(0);
  EXPECT_EQ(service_->Transfer(nullptr, &req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  gv1::ExportStatementRequest ex;
  ex.set_account_id(to);
  ex.set_format("csv");
  gv1::ExportStatementResponse ex_resp;
  ASSERT_TRUE(service_->ExportStatement(nullptr, &ex, &ex_resp).ok());
  EXPECT_EQ(ex_resp.content_type(), "text/csv");
  EXPECT_NE(ex_resp.text().find(",transfer,available,400,rent\r\n"), std::string::npos);
  ex.set_format("xml");
  EXPECT_EQ(service_->ExportStatement(nullptr, &ex, &ex_resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(LedgerRpcTest, UnstakeStartsUnbondingThatTheTickReleases) {
  SetParam("stake.unbondingSeconds", "60");
  const std::string account = Funded(1'000);
  gv1::StakeRequest stake;
  stake.set_account_id(account);
  stake.set_amount(700);
  gv1::StakeResponse stake_resp;
  ASSERT_TRUE(service_->Stake(nullptr, &stake, &stake_resp).ok());
  gv1::UnstakeRequest unstake;
  unstake.set_account_id(account);
  unstake.set_amount(200);
  gv1::UnstakeResponse unstake_resp;
  ASSERT_TRUE(service_->Unstake(nullptr, &unstake, &unstake_resp).ok());
  const gv1::Balance& b = unstake_resp.balance();
  EXPECT_EQ(b.available(), 300u);
  EXPECT_EQ(b.staked(), 500u);
  EXPECT_EQ(b.unbonding(), 200u);
  ASSERT_EQ(b.unbonding_lots_size(), 1);
  EXPECT_EQ(b.unbonding_lots(0).release_at().seconds(), 1'900'000'060);
  RunLedgerTick(*pool_, absl::FromUnixSeconds(1'900'000'059), "governance/test");
  EXPECT_EQ(Balance(account).unbonding(), 200u);
  RunLedgerTick(*pool_, absl::FromUnixSeconds(1'900'000'060), "governance/test");
  EXPECT_EQ(Balance(account).unbonding(), 0u);
  EXPECT_EQ(Balance(account).available(), 500u);
  SetParam("stake.unbondingSeconds", "604800");
}

TEST_F(LedgerRpcTest, AnOperatorAdmittedByStakeIsAnnouncedOnJetStream) {
  SetParam("admission.mode", "\"stake\"");
  SetParam("stake.minimumOperator", "500");
  const std::string account = Funded(1'000);
  gv1::GetOperatorChallengeRequest creq;
  creq.set_account_id(account);
  gv1::GetOperatorChallengeResponse challenge;
  ASSERT_TRUE(service_->GetOperatorChallenge(nullptr, &creq, &challenge).ok());
  auto key = crypto::Ed25519PrivateKey::Generate();
  ASSERT_OK(key);
  const std::string node = crypto::HexEncode(*crypto::RandomBytes(32));
  gv1::RegisterOperatorRequest reg;
  reg.set_account_id(account);
  reg.set_name("Rpc Operator");
  reg.add_node_ids(node);
  reg.set_challenge(challenge.challenge());
  gv1::NodeProof* proof = reg.add_proofs();
  proof->set_node_id(node);
  proof->set_public_key(crypto::HexEncode(key->public_key()));
  proof->set_signature(
      crypto::HexEncode(*key->Sign(*operators::SignedMessage(challenge.challenge(), account))));
  gv1::RegisterOperatorResponse reg_resp;
  ASSERT_TRUE(service_->RegisterOperator(nullptr, &reg, &reg_resp).ok());
  EXPECT_EQ(reg_resp.operator_().state(), "pending");
  EXPECT_DOUBLE_EQ(reg_resp.operator_().reputation(), 0.5);
  // The same request again: the account already runs an operator.
  EXPECT_EQ(service_->RegisterOperator(nullptr, &reg, &reg_resp).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);

  absl::Mutex mu;
  std::vector<events::v1::Event> seen;
  bus::ConsumerConfig cc;
  cc.stream = bus::kDurableEventsStreamName;
  cc.durable = "ledger-rpc-test-" + bus::NewUuidV4().substr(0, 8);
  cc.filter_subject = "dm.v1.governance.operator.>";
  auto consumer = bus_->ConsumeDurable(cc, [&](const events::v1::Event& e) {
    absl::MutexLock lock(&mu);
    seen.push_back(e);
    return absl::OkStatus();
  });
  ASSERT_OK(consumer);

  gv1::StakeRequest stake;
  stake.set_account_id(account);
  stake.set_amount(500);
  gv1::StakeResponse stake_resp;
  ASSERT_TRUE(service_->Stake(nullptr, &stake, &stake_resp).ok());
  gv1::ListOperatorsRequest list;
  gv1::ListOperatorsResponse listed;
  ASSERT_TRUE(service_->ListOperators(nullptr, &list, &listed).ok());
  bool admitted = false;
  for (const auto& op : listed.operators()) {
    if (op.account_id() == account) admitted = op.state() == "admitted" && op.stake() == 500;
  }
  EXPECT_TRUE(admitted);
  const bool announced = testing::WaitFor(
      [&] {
        absl::MutexLock lock(&mu);
        for (const auto& e : seen) {
          if (e.has_operator_admitted() && e.operator_admitted().account_id() == account &&
              e.operator_admitted().node_ids_size() == 1 &&
              e.operator_admitted().node_ids(0) == node) {
            return true;
          }
        }
        return false;
      },
      absl::Seconds(20), absl::Milliseconds(50));
  EXPECT_TRUE(announced);
  SetParam("admission.mode", "\"open\"");
  SetParam("stake.minimumOperator", "1000000000");
}

}  // namespace
}  // namespace datamesh::governance
