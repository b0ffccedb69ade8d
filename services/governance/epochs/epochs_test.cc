// Epochs over a real PostgreSQL: node usage heard from heartbeats, an epoch closed once that
// pays two operators in proportion and holds back their share, the held-back release, the
// forfeiture of a disqualified operator, the downtime slash, and the ledger's invariants after
// each. The suite shares one database and one chain of epochs: each test advances it and
// removes its operators at the end, so later tests see only their own.
#include <gtest/gtest.h>

#include "services/governance/epochs/epoch_book.h"
#include "services/governance/epochs/epoch_closer.h"
#include "services/governance/epochs/node_usage_recorder.h"
#include "services/governance/ledger/ledger_test_fixture.h"
#include "services/governance/ledger/stake.h"
#include "shared/status/status.h"

namespace datamesh::governance::epochs {
namespace {

constexpr int64_t kLength = 60;  // epoch.lengthSeconds in these tests

class EpochsTest : public ledger::LedgerFixture {
 protected:
  void SetUp() override {
    LedgerFixture::SetUp();
    SetParam("epoch.lengthSeconds", std::to_string(kLength));
    SetParam("rewards.epochIssuance", "1000000");
    SetParam("rewards.heldBackPpm", "750000");
    SetParam("rewards.heldBackStepEpochs", "3");
    SetParam("rewards.heldBackEpochs", "2");
    SetParam("penalty.minUptimePpm", "0");
    SetParam("penalty.downtimeSlashPpm", "10000");
    // The chain of epochs starts at a fixed time; each test continues from the open one.
    ASSERT_OK(Run([&](pqxx::work& tx) -> absl::Status {
      if (tx.exec("SELECT 1 FROM governance.epochs").empty()) {
        return CloseDueEpoch(tx, kStart).status();  // opens epoch 0 at kStart
      }
      return absl::OkStatus();
    }));
  }

  void TearDown() override {
    ASSERT_OK(Run([&](pqxx::work& tx) {
      for (const std::string& op : operators_) {
        tx.exec_params0("UPDATE governance.operators SET state = 'removed' WHERE id = $1", op);
      }
      return absl::OkStatus();
    }));
  }

  void SetParam(const std::string& key, const std::string& json) {
    ASSERT_OK(Run([&](pqxx::work& tx) {
      tx.exec_params0("UPDATE governance.parameters SET value = $2::jsonb WHERE key = $1", key,
                      json);
      return absl::OkStatus();
    }));
  }

  // An admitted operator with one node; returns {operator id, account, node id}.
  struct Op {
    std::string id, account, node;
  };
  Op AddOperator() {
    static int n = 0;
    Op op{NewAccount("op"), NewAccount("acct"), ""};
    char node[65];
    std::snprintf(node, sizeof node, "%064x", ++n + 0x1000 * ::getpid() % 0x7fff0000);
    op.node = node;
    EXPECT_OK(Run([&](pqxx::work& tx) {
      tx.exec_params0(
          "INSERT INTO governance.operators (id, name, account_id, state) "
          "VALUES ($1, $1, $2, 'admitted')",
          op.id, op.account);
      tx.exec_params0(
          "INSERT INTO governance.operator_nodes (node_id, operator_id) VALUES ($1, $2)", op.node,
          op.id);
      return absl::OkStatus();
    }));
    operators_.push_back(op.id);
    return op;
  }

  struct Open {
    int64_t number;
    absl::Time starts_at, ends_at;
  };
  Open OpenEpoch() {
    Open open{};
    EXPECT_OK(Run([&](pqxx::work& tx) {
      std::vector<EpochRow> rows = ListEpochRows(tx, std::nullopt, 1);
      EXPECT_EQ(rows.size(), 1u);
      EXPECT_EQ(rows[0].state, "open");
      open = {rows[0].number, rows[0].starts_at, rows[0].ends_at};
      return absl::OkStatus();
    }));
    return open;
  }

  // Heartbeats every 10 s from the epoch's start for `seconds`, then stored.
  void Heartbeats(NodeUsageRecorder& recorder, const std::string& node, uint64_t used,
                  absl::Time from, int seconds) {
    for (int t = 0; t <= seconds; t += 10)
      recorder.OnHeartbeat(node, used, from + absl::Seconds(t));
    ASSERT_OK(recorder.Flush(*pool_));
  }

  // Closes the open epoch (and only it) at its end.
  int64_t CloseOpenEpoch() {
    const Open open = OpenEpoch();
    EpochCloser closer(*pool_);
    absl::StatusOr<int> closed = closer.RunOnce(open.ends_at);
    EXPECT_OK(closed);
    EXPECT_EQ(closed.value_or(-1), 1);
    // Nothing else is due at the same instant: closing is once per epoch.
    EXPECT_EQ(closer.RunOnce(open.ends_at).value_or(-1), 0);
    return open.number;
  }

  PaystubRow Stub(const std::string& op, int64_t epoch) {
    PaystubRow out;
    EXPECT_OK(Run([&](pqxx::work& tx) {
      std::vector<PaystubRow> rows = ListPaystubRows(tx, op, epoch + 1, 1);
      EXPECT_EQ(rows.size(), 1u);
      if (!rows.empty()) out = rows[0];
      EXPECT_EQ(out.epoch, epoch);
      return absl::OkStatus();
    }));
    return out;
  }

  void ExpectLedgerConsistent() {
    ledger::InvariantReport report = Verify();
    EXPECT_TRUE(report.violations.empty()) << report.violations.front();
  }

  static inline const absl::Time kStart = absl::FromUnixSeconds(1'900'000'000);
  std::vector<std::string> operators_;
};

TEST_F(EpochsTest, PaysTwoOperatorsInProportionAndHoldsBackTheShare) {
  Op a = AddOperator(), b = AddOperator();
  const Open open = OpenEpoch();
  NodeUsageRecorder recorder({"instance-1"});
  Heartbeats(recorder, a.node, 1000, open.starts_at, 50);
  Heartbeats(recorder, b.node, 3000, open.starts_at, 50);
  // A second replica hears the same beats: the close takes the larger, not the sum.
  NodeUsageRecorder replica({"instance-2"});
  Heartbeats(replica, b.node, 3000, open.starts_at, 50);
  const int64_t pool = Balance(ledger::kRewardsPool, ledger::kAvailable) + 1'000'000;

  const int64_t epoch = CloseOpenEpoch();
  const PaystubRow sa = Stub(a.id, epoch), sb = Stub(b.id, epoch);
  EXPECT_EQ(sa.byte_seconds, "50000");  // 1000 bytes x 50 s
  EXPECT_EQ(sb.byte_seconds, "150000");
  EXPECT_EQ(sa.earned, pool / 4);
  EXPECT_EQ(sb.earned, pool * 3 / 4);
  EXPECT_EQ(sa.held, sa.earned * 3 / 4);
  EXPECT_EQ(sa.paid, sa.earned - sa.held);
  EXPECT_EQ(sa.uptime_ppm, 50 * 1'000'000 / kLength);
  EXPECT_EQ(Balance(a.account, ledger::kAvailable), sa.paid);
  EXPECT_EQ(Balance(a.account, ledger::kHeld), sa.held);
  EXPECT_EQ(Balance(b.account, ledger::kHeld), sb.held);
  // What the floors left stays in the pool.
  EXPECT_EQ(Balance(ledger::kRewardsPool, ledger::kAvailable), pool - sa.earned - sb.earned);
  ExpectLedgerConsistent();
}

TEST_F(EpochsTest, ReleasesHeldBackRewardsAfterHeldBackEpochs) {
  Op a = AddOperator();
  NodeUsageRecorder recorder({"instance-1"});
  Heartbeats(recorder, a.node, 1000, OpenEpoch().starts_at, 30);
  const int64_t first = CloseOpenEpoch();
  const int64_t held = Stub(a.id, first).held;
  ASSERT_GT(held, 0);
  // heldBackEpochs = 2: still held after the next close, released at the one after.
  CloseOpenEpoch();
  EXPECT_EQ(Balance(a.account, ledger::kHeld), held);
  const int64_t available = Balance(a.account, ledger::kAvailable);
  const int64_t third = CloseOpenEpoch();
  EXPECT_EQ(Stub(a.id, third).released, held);
  EXPECT_EQ(Balance(a.account, ledger::kHeld), 0);
  EXPECT_EQ(Balance(a.account, ledger::kAvailable), available + held);
  ExpectLedgerConsistent();
}

TEST_F(EpochsTest, DisqualifiedOperatorForfeitsHeldBackAndEarnsNothing) {
  Op a = AddOperator(), b = AddOperator();
  NodeUsageRecorder recorder({"instance-1"});
  Open open = OpenEpoch();
  Heartbeats(recorder, a.node, 1000, open.starts_at, 30);
  Heartbeats(recorder, b.node, 1000, open.starts_at, 30);
  const int64_t first = CloseOpenEpoch();
  const int64_t held = Stub(a.id, first).held;
  ASSERT_GT(held, 0);
  // The audits disqualify a's node (their table, migration 0005).
  ASSERT_OK(Run([&](pqxx::work& tx) {
    tx.exec_params0(
        "INSERT INTO governance.node_reputation (node_id, operator_id, alpha, beta, score, "
        "disqualified_at) VALUES ($1, $2, 1, 9, 0.1, now())",
        a.node, a.id);
    return absl::OkStatus();
  }));
  open = OpenEpoch();
  Heartbeats(recorder, a.node, 1000, open.starts_at, 30);
  Heartbeats(recorder, b.node, 1000, open.starts_at, 30);
  const int64_t treasury = Balance(ledger::kTreasury, ledger::kAvailable);
  const int64_t second = CloseOpenEpoch();
  const PaystubRow sa = Stub(a.id, second);
  EXPECT_EQ(sa.forfeited, held);
  EXPECT_EQ(sa.earned, 0);
  EXPECT_GT(Stub(b.id, second).earned, 0);
  EXPECT_EQ(Balance(a.account, ledger::kHeld), 0);
  EXPECT_EQ(Balance(ledger::kTreasury, ledger::kAvailable), treasury + held);
  ExpectLedgerConsistent();
}

TEST_F(EpochsTest, DowntimeBelowTheThresholdSlashesStake) {
  SetParam("penalty.minUptimePpm", "950000");
  Op up = AddOperator(), down = AddOperator();
  for (const Op* op : {&up, &down}) {
    ASSERT_OK(Run([&](pqxx::work& tx) -> absl::Status {
      RETURN_IF_ERROR(ledger::Grant(tx, op->account, 1'000'000, "test", op->account + "/grant"));
      return ledger::Stake(tx, op->account, 1'000'000, op->account + "/stake");
    }));
  }
  NodeUsageRecorder recorder({"instance-1"});
  const Open open = OpenEpoch();
  Heartbeats(recorder, up.node, 1000, open.starts_at - absl::Seconds(10), kLength + 10);
  Heartbeats(recorder, down.node, 1000, open.starts_at, 30);  // half the epoch
  const int64_t treasury = Balance(ledger::kTreasury, ledger::kAvailable);
  const int64_t epoch = CloseOpenEpoch();
  EXPECT_EQ(Stub(up.id, epoch).slashed, 0);
  EXPECT_EQ(Stub(down.id, epoch).slashed, 10'000);  // 1% of 1 token
  EXPECT_EQ(Balance(up.account, ledger::kStaked), 1'000'000);
  EXPECT_EQ(Balance(down.account, ledger::kStaked), 990'000);
  EXPECT_EQ(Balance(ledger::kTreasury, ledger::kAvailable), treasury + 10'000);
  ExpectLedgerConsistent();
}

TEST_F(EpochsTest, NothingIsClosedBeforeTheEpochEnds) {
  const Open open = OpenEpoch();
  EpochCloser closer(*pool_);
  EXPECT_EQ(closer.RunOnce(open.ends_at - absl::Seconds(1)).value_or(-1), 0);
  EXPECT_EQ(OpenEpoch().number, open.number);
}

}  // namespace
}  // namespace datamesh::governance::epochs
