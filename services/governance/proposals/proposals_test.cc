// Proposals against a real PostgreSQL with the real ledger: the lifecycle under a fake clock,
// deposits refunded or burned, one live proposal per proposer, votes on the snapshot, and
// refusals that change nothing.
#include <gtest/gtest.h>

#include "google/protobuf/util/json_util.h"
#include "governance_migrations.h"
#include "services/governance/ledger/ledger.h"
#include "services/governance/params/parameters.h"
#include "services/governance/proposals/applied_consumer.h"
#include "services/governance/proposals/lifecycle.h"
#include "services/governance/proposals/proposal_book.h"
#include "shared/bus/event.h"
#include "shared/pg/migrations.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::governance::proposals {
namespace {

using ::datamesh::testing::StatusIs;
constexpr int64_t kToken = 1'000'000;

class ProposalsTest : public datamesh::testing::WithTestStack {
 protected:
  void SetUp() override {
    WithTestStack::SetUp();
    auto pool = pg::Pool::Create({.url = stack_->pg_url()});
    ASSERT_OK(pool);
    pool_ = std::move(*pool);
    // A fresh schema per test: the power snapshot covers every staked account.
    ASSERT_OK(pool_->Transact([](pqxx::work& tx) {
      tx.exec("DROP SCHEMA IF EXISTS governance CASCADE");
      return absl::OkStatus();
    }));
    ASSERT_OK(pg::ApplyMigrations(*pool_, "governance", governance_migrations()));
    SetParam("voting.depositTokens", "10000000");
    SetParam("voting.minimumProposerStake", "1000000");
    SetParam("proposal.enactmentDelaySeconds", "0");
    SetParam("voting.periodSeconds", "3600");
    book_ = std::make_unique<ProposalBook>(*pool_, [this] { return now_; });
    lifecycle_ = std::make_unique<ProposalLifecycle>(*pool_, LifecycleOptions{"governance/test"});
  }

  void SetParam(const std::string& key, const std::string& json) {
    ASSERT_OK(pool_->Transact([&](pqxx::work& tx) {
      tx.exec_params("UPDATE governance.parameters SET value = $2::jsonb WHERE key = $1", key,
                     json);
      return absl::OkStatus();
    }));
  }

  // The stored JSON of a parameter; "" when the key has no row.
  std::string ParamJson(const std::string& key) {
    std::string json;
    EXPECT_OK(pool_->Transact([&](pqxx::work& tx) {
      pqxx::result r =
          tx.exec_params("SELECT value::text FROM governance.parameters WHERE key = $1", key);
      json = r.empty() ? "" : r[0][0].as<std::string>();
      return absl::OkStatus();
    }));
    return json;
  }

  // Issues `available` and `staked` micro-tokens to `account` from the mint.
  void Fund(const std::string& account, int64_t available, int64_t staked) {
    ASSERT_OK(pool_->Transact([&](pqxx::work& tx) -> absl::Status {
      const int64_t total = available + staked;
      ledger::Movement grant{
          "grant",
          "test",
          "fund:" + account + ":" + std::to_string(++funds_),
          {{ledger::kMint, ledger::kAvailable, -total}, {account, ledger::kAvailable, total}}};
      absl::StatusOr<std::string> g = ledger::Post(tx, grant);
      if (!g.ok()) return g.status();
      if (staked == 0) return absl::OkStatus();
      ledger::Movement stake{
          "stake",
          "test",
          "stake:" + account + ":" + std::to_string(funds_),
          {{account, ledger::kAvailable, -staked}, {account, ledger::kStaked, staked}}};
      return ledger::Post(tx, stake).status();
    }));
  }

  int64_t Balance(const std::string& account, const char* bucket) {
    int64_t b = -1;
    EXPECT_OK(pool_->Transact([&](pqxx::work& tx) {
      b = ledger::BalanceOf(tx, account, bucket);
      return absl::OkStatus();
    }));
    return b;
  }

  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    EXPECT_OK(pool_->Transact([&](pqxx::work& tx) {
      n = tx.exec(sql)[0][0].as<int64_t>();
      return absl::OkStatus();
    }));
    return n;
  }

  static CreateInput ParamChange(const std::string& proposer, const std::string& json) {
    CreateInput in{proposer, "change " + json, "why", "parameter_change", {}, std::nullopt};
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &in.change).ok());
    return in;
  }

  // Runs the worker after the voting period.
  void CloseVoting(const ProposalRecord& p) {
    now_ = p.closes_at + absl::Seconds(1);
    ASSERT_OK(lifecycle_->RunOnce(now_));
  }

  std::vector<std::string> OutboxTypes() {
    std::vector<std::string> types;
    EXPECT_OK(pool_->Transact([&](pqxx::work& tx) {
      for (const pqxx::row& r : tx.exec("SELECT event FROM governance.outbox ORDER BY id")) {
        events::v1::Event e;
        e.ParseFromString(pqxx::binarystring(r[0]).str());
        types.push_back(e.type());
      }
      return absl::OkStatus();
    }));
    return types;
  }

  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<ProposalBook> book_;
  std::unique_ptr<ProposalLifecycle> lifecycle_;
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  int funds_ = 0;
};

TEST_F(ProposalsTest, PassedProposalExecutesAndRefundsTheDeposit) {
  Fund("alice", 20 * kToken, 600 * kToken);
  Fund("bob", 0, 400 * kToken);
  auto p = book_->Create(ParamChange("alice", R"({"voting.quorum": 0.4})"));
  ASSERT_OK(p);
  EXPECT_EQ(p->state, "open");
  EXPECT_EQ(p->total_power, 1000 * kToken);
  EXPECT_EQ(Balance("alice", ledger::kEscrow), 10 * kToken);
  EXPECT_EQ(Balance("alice", ledger::kAvailable), 10 * kToken);

  ASSERT_OK(book_->Vote(p->id, "alice", "yes"));
  auto v = book_->Vote(p->id, "bob", "no");
  ASSERT_OK(v);
  EXPECT_EQ(v->proposal.yes, 600 * kToken);
  EXPECT_EQ(v->proposal.no, 400 * kToken);

  // Not due yet: nothing moves.
  now_ += absl::Minutes(30);
  ASSERT_OK(lifecycle_->RunOnce(now_));
  EXPECT_EQ(book_->Get(p->id)->state, "open");

  CloseVoting(*p);
  auto done = book_->Get(p->id);
  ASSERT_OK(done);
  EXPECT_EQ(done->state, "executed");
  ASSERT_TRUE(done->executed_at.has_value());
  EXPECT_EQ(Balance("alice", ledger::kEscrow), 0);
  EXPECT_EQ(Balance("alice", ledger::kAvailable), 20 * kToken);
  EXPECT_EQ(Count("SELECT count(*) FROM governance.parameters WHERE key = 'voting.quorum' AND "
                  "value = '0.4'::jsonb AND last_proposal_id = '" +
                  p->id + "'"),
            1);
  EXPECT_EQ(OutboxTypes(), (std::vector<std::string>{"governance.proposal.closed",
                                                     "governance.proposal.executed"}));
  ASSERT_EQ(done->execution.size(), 1u);
  EXPECT_EQ(done->execution[0].service, "governance");
  EXPECT_EQ(done->execution[0].state, "applied");
}

TEST_F(ProposalsTest, VetoBurnsTheDepositToTheTreasury) {
  Fund("alice", 10 * kToken, 600 * kToken);
  Fund("vera", 0, 400 * kToken);
  const int64_t treasury = Balance(ledger::kTreasury, ledger::kAvailable);
  auto p = book_->Create(ParamChange("alice", R"({"admission.mode": "stake"})"));
  ASSERT_OK(p);
  ASSERT_OK(book_->Vote(p->id, "alice", "yes"));
  ASSERT_OK(book_->Vote(p->id, "vera", "veto"));
  CloseVoting(*p);
  EXPECT_EQ(book_->Get(p->id)->state, "vetoed");
  EXPECT_EQ(Balance("alice", ledger::kEscrow), 0);
  EXPECT_EQ(Balance("alice", ledger::kAvailable), 0);
  EXPECT_EQ(Balance(ledger::kTreasury, ledger::kAvailable), treasury + 10 * kToken);
  EXPECT_EQ(Count("SELECT count(*) FROM governance.parameters WHERE key = 'admission.mode' AND "
                  "value = '\"open\"'::jsonb"),
            1);
}

TEST_F(ProposalsTest, QuorumMissedExpiresAndRefunds) {
  Fund("alice", 10 * kToken, 100 * kToken);
  Fund("whale", 0, 900 * kToken);
  auto p = book_->Create(ParamChange("alice", R"({"voting.threshold": 0.6})"));
  ASSERT_OK(p);
  ASSERT_OK(book_->Vote(p->id, "alice", "yes"));
  CloseVoting(*p);
  auto done = book_->Get(p->id);
  EXPECT_EQ(done->state, "expired");
  EXPECT_EQ(done->state_reason, "quorum not reached");
  EXPECT_EQ(Balance("alice", ledger::kAvailable), 10 * kToken);
}

TEST_F(ProposalsTest, OneLiveProposalPerProposer) {
  Fund("alice", 30 * kToken, 100 * kToken);
  auto first = book_->Create(ParamChange("alice", R"({"voting.threshold": 0.6})"));
  ASSERT_OK(first);
  EXPECT_THAT(book_->Create(ParamChange("alice", R"({"voting.threshold": 0.7})")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(book_->Vote(first->id, "alice", "no"));
  CloseVoting(*first);
  EXPECT_EQ(book_->Get(first->id)->state, "rejected");
  EXPECT_OK(book_->Create(ParamChange("alice", R"({"voting.threshold": 0.7})")));
}

TEST_F(ProposalsTest, RefusalsChangeNothing) {
  Fund("alice", 10 * kToken, 100 * kToken);
  Fund("poor", 1 * kToken, 100 * kToken);  // cannot pay the 10-token deposit
  Fund("small", 20 * kToken, 1);           // staked below the minimum to propose
  const std::vector<std::pair<CreateInput, absl::StatusCode>> refused = {
      {ParamChange("alice", R"({"no.such.key": 1})"), absl::StatusCode::kInvalidArgument},
      {ParamChange("alice", R"({"voting.quorum": "high"})"), absl::StatusCode::kInvalidArgument},
      {ParamChange("alice", R"({"voting.periodSeconds": 60})"), absl::StatusCode::kInvalidArgument},
      {ParamChange("alice", R"({"erasure.dataShards": 2.5})"), absl::StatusCode::kInvalidArgument},
      {ParamChange("alice", R"({"admission.mode": "everyone"})"),
       absl::StatusCode::kInvalidArgument},
      {ParamChange("alice", R"({"tier.Free!.storageBytes": 1})"),
       absl::StatusCode::kInvalidArgument},
      {ParamChange("alice", R"({})"), absl::StatusCode::kInvalidArgument},
      {ParamChange("poor", R"({"voting.quorum": 0.5})"), absl::StatusCode::kFailedPrecondition},
      {ParamChange("small", R"({"voting.quorum": 0.5})"), absl::StatusCode::kFailedPrecondition},
  };
  for (const auto& [input, code] : refused) {
    SCOPED_TRACE(input.title);
    EXPECT_THAT(book_->Create(input), StatusIs(code));
  }
  CreateInput bad_type = ParamChange("alice", R"({"operatorId": "op-1"})");
  bad_type.type = "coup";
  EXPECT_THAT(book_->Create(bad_type), StatusIs(absl::StatusCode::kInvalidArgument));
  CreateInput spend{"alice", "spend", "", "treasury_spend", {}, std::nullopt};
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(R"({"accountId": "bob", "amount": 0})",
                                                          &spend.change)
                  .ok());
  EXPECT_THAT(book_->Create(spend), StatusIs(absl::StatusCode::kInvalidArgument));
  CreateInput untitled = ParamChange("alice", R"({"voting.quorum": 0.5})");
  untitled.title = "";
  EXPECT_THAT(book_->Create(untitled), StatusIs(absl::StatusCode::kInvalidArgument));

  EXPECT_EQ(Count("SELECT count(*) FROM governance.proposals"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM governance.proposal_power"), 0);
  EXPECT_EQ(Balance("alice", ledger::kAvailable), 10 * kToken);
  EXPECT_EQ(Balance("poor", ledger::kAvailable), 1 * kToken);
  EXPECT_EQ(Balance("poor", ledger::kEscrow), 0);
}

TEST_F(ProposalsTest, VotesCountTheSnapshotAndMayChangeUntilClose) {
  Fund("alice", 10 * kToken, 300 * kToken);
  Fund("bob", 0, 700 * kToken);
  auto p = book_->Create(ParamChange("alice", R"({"voting.quorum": 0.5})"));
  ASSERT_OK(p);
  Fund("carol", 0, 5000 * kToken);  // staked after voting opened: no power here
  EXPECT_THAT(book_->Vote(p->id, "carol", "yes"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(book_->Vote(p->id, "bob", "maybe"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(book_->Vote("no-such-proposal", "bob", "yes"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(book_->Vote(p->id, "bob", "no"));
  ASSERT_OK(book_->Vote(p->id, "alice", "yes"));
  auto changed = book_->Vote(p->id, "bob", "yes");
  ASSERT_OK(changed);
  EXPECT_EQ(changed->proposal.yes, 1000 * kToken);
  EXPECT_EQ(changed->proposal.no, 0);
  EXPECT_EQ(changed->weight, 700 * kToken);
  CloseVoting(*p);
  EXPECT_EQ(book_->Get(p->id)->state, "executed");
  EXPECT_THAT(book_->Vote(p->id, "bob", "no"), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ProposalsTest, TreasurySpendPaysOrFailsWithItsReason) {
  Fund("alice", 20 * kToken, 1000 * kToken);
  Fund(ledger::kTreasury, 50 * kToken, 0);
  CreateInput spend{"alice", "pay bob", "", "treasury_spend", {}, std::nullopt};
  const int64_t treasury = Balance(ledger::kTreasury, ledger::kAvailable);
  const std::string amount = std::to_string(treasury + 1);
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"accountId": "bob", "amount": ")" + amount + R"("})", &spend.change)
                  .ok());
  auto too_much = book_->Create(spend);
  ASSERT_OK(too_much);
  ASSERT_OK(book_->Vote(too_much->id, "alice", "yes"));
  CloseVoting(*too_much);
  auto failed = book_->Get(too_much->id);
  EXPECT_EQ(failed->state, "failed");
  EXPECT_EQ(failed->state_reason, "the treasury holds less than the amount");
  EXPECT_EQ(Balance("bob", ledger::kAvailable), 0);

  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"accountId": "bob", "amount": "7000000"})", &spend.change)
                  .ok());
  auto ok = book_->Create(spend);
  ASSERT_OK(ok);
  ASSERT_OK(book_->Vote(ok->id, "alice", "yes"));
  CloseVoting(*ok);
  EXPECT_EQ(book_->Get(ok->id)->state, "executed");
  EXPECT_EQ(Balance("bob", ledger::kAvailable), 7 * kToken);
}

TEST_F(ProposalsTest, OwnersAnswersAreRecordedOnce) {
  Fund("alice", 10 * kToken, 1000 * kToken);
  auto p = book_->Create(ParamChange("alice", R"({"tier.free.storageBytes": 1000})"));
  ASSERT_OK(p);
  ASSERT_OK(book_->Vote(p->id, "alice", "yes"));
  CloseVoting(*p);
  auto executed = book_->Get(p->id);
  ASSERT_EQ(executed->execution.size(), 2u);
  EXPECT_EQ(executed->execution[1].service, "quota");
  EXPECT_EQ(executed->execution[1].state, "pending");

  ChangeAppliedConsumer consumer(*pool_);
  events::v1::Event e = bus::NewEvent("governance.change.applied", "quota/test");
  e.mutable_change_applied()->set_proposal_id(p->id);
  e.mutable_change_applied()->set_service("quota");
  e.mutable_change_applied()->set_ok(false);
  e.mutable_change_applied()->set_reason("unknown tier");
  EXPECT_EQ(ParamJson("tier.free.storageBytes"), "1000");  // set when executed
  ASSERT_OK(consumer.Handle(e));
  EXPECT_EQ(book_->Get(p->id)->execution[1].state, "failed");
  EXPECT_EQ(book_->Get(p->id)->execution[1].reason, "unknown tier");
  // Refused by its owner: the parameters list the value still in force.
  EXPECT_EQ(ParamJson("tier.free.storageBytes"), "5000000000");
  // A redelivery of an older answer after a newer one changes nothing.
  events::v1::Event fixed = bus::NewEvent("governance.change.applied", "quota/test");
  *fixed.mutable_change_applied() = e.change_applied();
  fixed.mutable_change_applied()->set_ok(true);
  fixed.mutable_change_applied()->clear_reason();
  ASSERT_OK(consumer.Handle(fixed));
  ASSERT_OK(consumer.Handle(e));
  EXPECT_EQ(book_->Get(p->id)->execution[1].state, "applied");
  EXPECT_EQ(ParamJson("tier.free.storageBytes"), "1000");  // applied after all
}

TEST_F(ProposalsTest, ARefusedChangeRemovesTheKeysItCreatedAndLeavesOtherOwnersKeys) {
  Fund("alice", 10 * kToken, 1000 * kToken);
  // A key this proposal creates (a new tier's limit, quota's) and one governance owns.
  auto p = book_->Create(
      ParamChange("alice", R"({"tier.gold.storageBytes": 7000, "voting.quorum": 0.5})"));
  ASSERT_OK(p);
  ASSERT_OK(book_->Vote(p->id, "alice", "yes"));
  CloseVoting(*p);
  ASSERT_EQ(book_->Get(p->id)->state, "executed");
  EXPECT_EQ(ParamJson("tier.gold.storageBytes"), "7000");

  ChangeAppliedConsumer consumer(*pool_);
  events::v1::Event refused = bus::NewEvent("governance.change.applied", "quota/test");
  refused.mutable_change_applied()->set_proposal_id(p->id);
  refused.mutable_change_applied()->set_service("quota");
  refused.mutable_change_applied()->set_ok(false);
  refused.mutable_change_applied()->set_reason("no such tier");
  ASSERT_OK(consumer.Handle(refused));
  EXPECT_EQ(ParamJson("tier.gold.storageBytes"), "");  // created by the proposal: gone
  EXPECT_EQ(ParamJson("voting.quorum"), "0.5");        // governance's own part stands
}

TEST_F(ProposalsTest, PassedButNotExecutedWithinTheGracePeriodExpires) {
  SetParam("proposal.enactmentDelaySeconds", "60");
  SetParam("proposal.gracePeriodSeconds", "3600");
  Fund("alice", 10 * kToken, 1000 * kToken);
  auto p = book_->Create(ParamChange("alice", R"({"voting.quorum": 0.5})"));
  ASSERT_OK(p);
  ASSERT_OK(book_->Vote(p->id, "alice", "yes"));
  CloseVoting(*p);
  auto passed = book_->Get(p->id);
  EXPECT_EQ(passed->state, "passed");
  ASSERT_TRUE(passed->executable_at.has_value());
  EXPECT_EQ(*passed->executable_at, p->closes_at + absl::Seconds(60));
  // The worker did not run again until after the grace period.
  now_ = *passed->executable_at + absl::Seconds(3601);
  ASSERT_OK(lifecycle_->RunOnce(now_));
  auto expired = book_->Get(p->id);
  EXPECT_EQ(expired->state, "expired");
  EXPECT_EQ(expired->state_reason, "not executed within the grace period");
  EXPECT_EQ(Count("SELECT count(*) FROM governance.parameters WHERE key = 'voting.quorum' AND "
                  "value = '0.334'::jsonb"),
            1);
}

TEST_F(ProposalsTest, ListsNewestFirstByPagesAndState) {
  Fund("alice", 100 * kToken, 1000 * kToken);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto p = book_->Create(ParamChange("alice", R"({"voting.quorum": 0.5})"));
    ASSERT_OK(p);
    ids.push_back(p->id);
    ASSERT_OK(book_->Vote(p->id, "alice", "no"));
    CloseVoting(*p);
  }
  auto first = book_->List("", 2, "");
  ASSERT_OK(first);
  ASSERT_EQ(first->proposals.size(), 2u);
  EXPECT_EQ(first->proposals[0].id, ids[2]);
  ASSERT_TRUE(first->next_cursor.has_value());
  auto second = book_->List("", 2, *first->next_cursor);
  ASSERT_OK(second);
  ASSERT_EQ(second->proposals.size(), 1u);
  EXPECT_EQ(second->proposals[0].id, ids[0]);
  EXPECT_FALSE(second->next_cursor.has_value());
  EXPECT_EQ(book_->List("rejected", 0, "")->proposals.size(), 3u);
  EXPECT_EQ(book_->List("open", 0, "")->proposals.size(), 0u);
  EXPECT_THAT(book_->List("sideways", 0, ""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(book_->List("", 0, "x"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace datamesh::governance::proposals
