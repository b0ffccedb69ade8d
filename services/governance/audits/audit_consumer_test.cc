// The audit result consumer over a real PostgreSQL: a result counts once however often it is
// delivered; enough successes vet a node (governance.node.vetted in the outbox); failures
// disqualify it at the threshold (governance.node.disqualified in the outbox, its operator
// slashed audit.disqualifySlashPpm of the stake, once); malformed results change nothing;
// uptime windows from heartbeats; a node's standing as GetNodeReputation shows it.
#include "services/governance/audits/audit_consumer.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "services/governance/audits/node_standing.h"
#include "services/governance/audits/uptime_windows.h"
#include "services/governance/ledger/ledger_test_fixture.h"
#include "services/governance/ledger/stake.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/random.h"
#include "shared/status/status.h"

namespace datamesh::governance::audits {
namespace {

class AuditConsumerTest : public ledger::LedgerFixture {
 protected:
  void SetUp() override {
    LedgerFixture::SetUp();
    // Small numbers for the table: lambda 0.5, w 1 -> a new node has alpha 2; two straight
    // failures take it from 1 to 0.25, under the threshold 0.3. Vetting after 3 successes.
    ASSERT_OK(Run([](pqxx::work& tx) {
      tx.exec(
          "UPDATE governance.parameters SET value = CASE key "
          "WHEN 'audit.lambda' THEN '0.5'::jsonb WHEN 'audit.weight' THEN '1'::jsonb "
          "WHEN 'audit.disqualifyBelow' THEN '0.3'::jsonb "
          "WHEN 'audit.disqualifySlashPpm' THEN '250000'::jsonb "
          "WHEN 'vetting.auditsRequired' THEN '3'::jsonb END "
          "WHERE key IN ('audit.lambda', 'audit.weight', 'audit.disqualifyBelow', "
          "'audit.disqualifySlashPpm', 'vetting.auditsRequired')");
      return absl::OkStatus();
    }));
    consumer_ = std::make_unique<AuditResultConsumer>(*pool_, "governance/test");
  }

  static std::string NewNodeId() { return crypto::HexEncode(*crypto::RandomBytes(32)); }

  // An operator owning `node`, its account staking `stake`.
  std::string NewOperator(const std::string& node, int64_t stake) {
    const std::string account = NewAccount("op");
    const std::string id = "opr-" + bus::NewUuidV4();
    EXPECT_OK(Run([&](pqxx::work& tx) -> absl::Status {
      tx.exec_params0(
          "INSERT INTO governance.operators (id, name, account_id, state) "
          "VALUES ($1, 'op', $2, 'admitted')",
          id, account);
      tx.exec_params0(
          "INSERT INTO governance.operator_nodes (node_id, operator_id) VALUES ($1, $2)", node, id);
      RETURN_IF_ERROR(ledger::Grant(tx, account, stake, "test", "grant/" + account));
      return ledger::Stake(tx, account, stake, "stake/" + account);
    }));
    return account;
  }

  static events::v1::Event Result(const std::string& node, const std::string& outcome) {
    events::v1::Event e = bus::NewEvent("file.audit.result", "file-ingest/test");
    e.mutable_file_audit_result()->set_node_id(node);
    e.mutable_file_audit_result()->set_outcome(outcome);
    return e;
  }

  struct Row {
    double score = -1;
    int64_t total = -1, failed = -1;
    bool vetted = false, disqualified = false;
  };
  Row Reputation(const std::string& node) {
    Row row;
    EXPECT_OK(Run([&](pqxx::work& tx) {
      pqxx::result r = tx.exec_params(
          "SELECT score, audits_total, audits_failed, vetted_at IS NOT NULL, "
          "disqualified_at IS NOT NULL FROM governance.node_reputation WHERE node_id = $1",
          node);
      if (!r.empty()) {
        row = {r[0][0].as<double>(), r[0][1].as<int64_t>(), r[0][2].as<int64_t>(),
               r[0][3].as<bool>(), r[0][4].as<bool>()};
      }
      return absl::OkStatus();
    }));
    return row;
  }

  // Outbox events of `type` about `node`.
  int OutboxEvents(const std::string& type, const std::string& node) {
    int n = 0;
    EXPECT_OK(Run([&](pqxx::work& tx) {
      for (const pqxx::row& r : tx.exec("SELECT event FROM governance.outbox")) {
        events::v1::Event e;
        pqxx::binarystring bytes(r[0]);
        if (!e.ParseFromString(bytes.str()) || e.type() != type) continue;
        if ((e.has_node_vetted() && e.node_vetted().node_id() == node) ||
            (e.has_node_disqualified() && e.node_disqualified().node_id() == node)) {
          ++n;
        }
      }
      return absl::OkStatus();
    }));
    return n;
  }

  std::unique_ptr<AuditResultConsumer> consumer_;
};

TEST_F(AuditConsumerTest, ARedeliveredResultCountsOnce) {
  const std::string node = NewNodeId();
  events::v1::Event e = Result(node, "failure");
  ASSERT_OK(consumer_->Handle(e));
  ASSERT_OK(consumer_->Handle(e));
  Row row = Reputation(node);
  EXPECT_EQ(row.total, 1);
  EXPECT_EQ(row.failed, 1);
  EXPECT_DOUBLE_EQ(row.score, 0.5);  // alpha 1, beta 1
  EXPECT_FALSE(row.disqualified);
}

TEST_F(AuditConsumerTest, SuccessesVetANodeOnce) {
  const std::string node = NewNodeId();
  NewOperator(node, 1'000'000);
  for (int i = 0; i < 5; ++i) ASSERT_OK(consumer_->Handle(Result(node, "success")));
  Row row = Reputation(node);
  EXPECT_TRUE(row.vetted);
  EXPECT_EQ(row.total, 5);
  EXPECT_EQ(OutboxEvents("governance.node.vetted", node), 1);
}

TEST_F(AuditConsumerTest, FailuresDisqualifyAndSlashTheOperatorOnce) {
  const std::string node = NewNodeId();
  const std::string account = NewOperator(node, 8'000'000);
  ASSERT_OK(consumer_->Handle(Result(node, "failure")));
  EXPECT_FALSE(Reputation(node).disqualified);
  EXPECT_EQ(Balance(account, ledger::kStaked), 8'000'000);
  const int64_t treasury = Balance(ledger::kTreasury, ledger::kAvailable);
  ASSERT_OK(consumer_->Handle(Result(node, "failure")));
  Row row = Reputation(node);
  EXPECT_TRUE(row.disqualified);
  EXPECT_DOUBLE_EQ(row.score, 0.25);
  EXPECT_EQ(Balance(account, ledger::kStaked), 6'000'000);  // 25% slashed
  EXPECT_EQ(Balance(ledger::kTreasury, ledger::kAvailable), treasury + 2'000'000);
  EXPECT_EQ(OutboxEvents("governance.node.disqualified", node), 1);
  // Final: more results are counted, nothing more is slashed or announced.
  for (const char* o : {"failure", "success", "failure"}) {
    ASSERT_OK(consumer_->Handle(Result(node, o)));
  }
  EXPECT_EQ(Reputation(node).total, 5);
  EXPECT_EQ(Balance(account, ledger::kStaked), 6'000'000);
  EXPECT_EQ(OutboxEvents("governance.node.disqualified", node), 1);
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AuditConsumerTest, ANodeWithoutOperatorIsDisqualifiedWithoutSlash) {
  const std::string node = NewNodeId();
  ASSERT_OK(consumer_->Handle(Result(node, "failure")));
  ASSERT_OK(consumer_->Handle(Result(node, "failure")));
  EXPECT_TRUE(Reputation(node).disqualified);
  EXPECT_EQ(OutboxEvents("governance.node.disqualified", node), 1);
}

TEST_F(AuditConsumerTest, MalformedResultsChangeNothing) {
  ASSERT_OK(consumer_->Handle(Result("not-a-node", "failure")));
  EXPECT_EQ(Reputation("not-a-node").total, -1);
  const std::string node = NewNodeId();
  ASSERT_OK(consumer_->Handle(Result(node, "splendid")));
  Row row = Reputation(node);
  EXPECT_EQ(row.total, -1);  // no row: refused before anything was written
}

TEST_F(AuditConsumerTest, UptimeIsTheShareOfWindowsWithAHeartbeat) {
  const std::string node = NewNodeId();
  UptimeWindows windows(*pool_);
  const absl::Time t0 = WindowStart(absl::Now()) - 9 * kUptimeWindow;
  // Heard in windows 0, 1, 2 (twice), 5 and 9 of ten.
  for (int w : {0, 1, 2, 2, 5, 9}) {
    windows.OnHeartbeat(node, t0 + w * kUptimeWindow + absl::Seconds(7));
  }
  windows.OnHeartbeat("garbage", t0);
  double uptime = -1;
  ASSERT_OK(Run([&](pqxx::work& tx) {
    uptime = UptimeWindows::Uptime(tx, node, t0 + 9 * kUptimeWindow + absl::Seconds(30));
    return absl::OkStatus();
  }));
  EXPECT_DOUBLE_EQ(uptime, 0.5);
  ASSERT_OK(Run([&](pqxx::work& tx) {
    EXPECT_EQ(UptimeWindows::Uptime(tx, NewNodeId(), absl::Now()), 0);
    return absl::OkStatus();
  }));
}

TEST_F(AuditConsumerTest, NodeStandingShowsAuditsScoreVettingDisqualificationAndUptime) {
  const std::string node = NewNodeId();
  NewOperator(node, 1'000'000);
  auto standing = [&](const std::string& id) {
    absl::StatusOr<governance::v1::NodeReputation> out;
    EXPECT_OK(Run([&](pqxx::work& tx) {
      out = ReadNodeStanding(tx, id, absl::Now());
      return absl::OkStatus();
    }));
    return out;
  };
  // Claimed, never audited: the start values.
  absl::StatusOr<governance::v1::NodeReputation> r = standing(node);
  ASSERT_OK(r);
  EXPECT_FALSE(r->audited());
  EXPECT_DOUBLE_EQ(r->score(), 1);
  EXPECT_FALSE(r->operator_id().empty());
  EXPECT_EQ(r->vetting_audits_required(), 3u);
  EXPECT_DOUBLE_EQ(r->disqualify_below(), 0.3);

  // Three successes vet it; two failures then disqualify it (lambda 0.5, threshold 0.3).
  for (const char* outcome : {"success", "success", "success", "offline", "failure", "failure"}) {
    ASSERT_OK(consumer_->Handle(Result(node, outcome)));
  }
  UptimeWindows windows(*pool_);
  windows.OnHeartbeat(node, absl::Now());
  r = standing(node);
  ASSERT_OK(r);
  EXPECT_TRUE(r->audited());
  EXPECT_EQ(r->audits_total(), 6u);
  EXPECT_EQ(r->audits_success(), 3u);
  EXPECT_EQ(r->audits_failed(), 2u);
  EXPECT_EQ(r->audits_offline(), 1u);
  EXPECT_LT(r->score(), 0.3);
  EXPECT_NEAR(r->score(), r->alpha() / (r->alpha() + r->beta()), 1e-12);
  EXPECT_TRUE(r->has_vetted_at());
  EXPECT_TRUE(r->has_disqualified_at());
  EXPECT_EQ(r->uptime_windows_up(), 1u);
  EXPECT_EQ(r->uptime_windows_total(), 1u);
  EXPECT_DOUBLE_EQ(r->uptime(), 1);
  EXPECT_EQ(r->uptime_window_seconds(), 300u);

  EXPECT_EQ(standing(NewNodeId()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(standing("not-a-node").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace datamesh::governance::audits
