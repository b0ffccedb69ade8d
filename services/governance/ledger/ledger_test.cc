// The ledger against a real PostgreSQL: Post's rules (balanced, positive balances, idempotent),
// concurrent posts, stake and unbonding, slashing, statements and the invariant checker.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "services/governance/ledger/ledger_test_fixture.h"
#include "services/governance/ledger/stake.h"
#include "services/governance/ledger/statement.h"

namespace datamesh::governance::ledger {
namespace {

using ::datamesh::testing::StatusIs;

class LedgerTest : public LedgerFixture {
 protected:
  // Grants `amount` to a new account and returns it.
  std::string Funded(int64_t amount) {
    std::string account = NewAccount();
    EXPECT_OK(Run([&](pqxx::work& tx) {
      return Grant(tx, account, amount, "test funds", "fund/" + account);
    }));
    return account;
  }

  static Movement Move(const std::string& key, std::vector<Entry> entries) {
    Movement m;
    m.kind = "transfer";
    m.reason = "test";
    m.idempotency_key = key;
    m.entries = std::move(entries);
    return m;
  }

  int64_t TransactionsWithKey(const std::string& key) {
    int64_t n = -1;
    EXPECT_OK(Run([&](pqxx::work& tx) {
      n = tx.exec_params1(
                "SELECT count(*) FROM governance.ledger_transactions "
                "WHERE idempotency_key = $1",
                key)[0]
              .as<int64_t>();
      return absl::OkStatus();
    }));
    return n;
  }
};

TEST_F(LedgerTest, GenesisIssuesTheSupplyOnceFromTheMint) {
  ASSERT_OK(Run([](pqxx::work& tx) { return EnsureGenesis(tx, 5); }));
  EXPECT_EQ(Balance(kMint, kAvailable), -kSupply);
  EXPECT_EQ(TransactionsWithKey("genesis"), 1);
  EXPECT_THAT(Run([](pqxx::work& tx) { return EnsureGenesis(tx, 0); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(LedgerTest, RefusesMalformedMovementsAndWritesNothing) {
  const std::string a = Funded(1000);
  const std::string b = NewAccount();
  struct Case {
    const char* what;
    Movement movement;
  };
  std::vector<Case> cases = {
      {"unbalanced", Move("k1-" + a, {{a, kAvailable, -10}, {b, kAvailable, 9}})},
      {"one entry", Move("k2-" + a, {{a, kAvailable, 0}})},
      {"zero amount", Move("k3-" + a, {{a, kAvailable, 0}, {b, kAvailable, 0}})},
      {"unknown bucket", Move("k4-" + a, {{a, "savings", -1}, {b, kAvailable, 1}})},
      {"empty account", Move("k5-" + a, {{"", kAvailable, -1}, {b, kAvailable, 1}})},
      {"no key", Move("", {{a, kAvailable, -1}, {b, kAvailable, 1}})},
      {"sum overflows int64 but wraps to zero",
       Move("k6-" + a, {{a, kAvailable, INT64_MIN}, {b, kAvailable, INT64_MIN}})},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(PostOne(c.movement), StatusIs(absl::StatusCode::kInvalidArgument)) << c.what;
  }
  Movement no_kind = Move("k7-" + a, {{a, kAvailable, -1}, {b, kAvailable, 1}});
  no_kind.kind = "";
  EXPECT_THAT(PostOne(no_kind), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Balance(a, kAvailable), 1000);
  EXPECT_EQ(Balance(b, kAvailable), 0);
  EXPECT_TRUE(Verify().ok());
}

TEST_F(LedgerTest, RefusesAPostThatWouldMakeABalanceNegative) {
  const std::string a = Funded(100);
  const std::string b = NewAccount();
  const std::string key = "overdraw-" + a;
  EXPECT_THAT(PostOne(Move(key, {{a, kAvailable, -101}, {b, kAvailable, 101}})),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // A bucket never credited has nothing to give either.
  EXPECT_THAT(PostOne(Move(key, {{a, kStaked, -1}, {b, kAvailable, 1}})),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Balance(a, kAvailable), 100);
  EXPECT_EQ(Balance(b, kAvailable), 0);
  EXPECT_EQ(TransactionsWithKey(key), 0);
  // Exactly everything is allowed.
  ASSERT_OK(PostOne(Move(key, {{a, kAvailable, -100}, {b, kAvailable, 100}})));
  EXPECT_EQ(Balance(a, kAvailable), 0);
  EXPECT_EQ(Balance(b, kAvailable), 100);
}

TEST_F(LedgerTest, AReplayedKeyReturnsTheFirstTransactionAndMovesNothing) {
  const std::string a = Funded(100);
  const std::string b = NewAccount();
  const std::string key = "replay-" + a;
  auto first = PostOne(Move(key, {{a, kAvailable, -60}, {b, kAvailable, 60}}));
  ASSERT_OK(first);
  // Replayed after the funds are gone: still the first answer, not a refusal.
  auto again = PostOne(Move(key, {{a, kAvailable, -60}, {b, kAvailable, 60}}));
  ASSERT_OK(again);
  EXPECT_EQ(*again, *first);
  EXPECT_EQ(Balance(a, kAvailable), 40);
  EXPECT_EQ(Balance(b, kAvailable), 60);
  EXPECT_EQ(TransactionsWithKey(key), 1);
}

TEST_F(LedgerTest, EightThreadsPostingToTheSameAccountsLeaveExactBalances) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 60;
  const std::vector<std::string> accounts = {Funded(1'000'000), Funded(1'000'000),
                                             Funded(1'000'000)};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Every direction between the three accounts, so posts lock the rows in both orders
        // of their entries; plus one key that every thread posts (one must win).
        const std::string& from = accounts[(t + i) % 3];
        const std::string& to = accounts[(t + i + 1 + i % 2) % 3];
        auto id = PostOne(Move("conc-" + from + "-" + std::to_string(t) + "-" + std::to_string(i),
                               {{from, kAvailable, -(i + 1)}, {to, kAvailable, i + 1}}));
        auto shared = PostOne(Move("conc-shared-" + accounts[0] + std::to_string(i),
                                   {{accounts[0], kAvailable, -7}, {accounts[1], kAvailable, 7}}));
        if (!id.ok() || !shared.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  // The model: the same movements applied in memory.
  std::map<std::string, int64_t> expected;
  for (const auto& a : accounts) expected[a] = 1'000'000;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      expected[accounts[(t + i) % 3]] -= i + 1;
      expected[accounts[(t + i + 1 + i % 2) % 3]] += i + 1;
    }
  }
  expected[accounts[0]] -= 7 * kPerThread;
  expected[accounts[1]] += 7 * kPerThread;
  for (const auto& a : accounts) EXPECT_EQ(Balance(a, kAvailable), expected[a]) << a;
  InvariantReport report = Verify();
  EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.violations);
}

TEST_F(LedgerTest, UnbondingStakeReturnsOnlyAfterItsPeriod) {
  const std::string a = Funded(1000);
  const absl::Time t0 = absl::FromUnixSeconds(1'900'000'000);
  ASSERT_OK(Run([&](pqxx::work& tx) { return Stake(tx, a, 700, "s-" + a); }));
  EXPECT_THAT(Run([&](pqxx::work& tx) { return Stake(tx, a, 301, "s2-" + a); }),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(
      Run([&](pqxx::work& tx) { return Unbond(tx, a, 200, t0, absl::Seconds(60), "u-" + a); }));
  // The replay adds no second lot.
  ASSERT_OK(
      Run([&](pqxx::work& tx) { return Unbond(tx, a, 200, t0, absl::Seconds(60), "u-" + a); }));
  EXPECT_THAT(
      Run([&](pqxx::work& tx) { return Unbond(tx, a, 501, t0, absl::Seconds(60), "u2-" + a); }),
      StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Balance(a, kStaked), 500);
  EXPECT_EQ(Balance(a, kUnbonding), 200);
  auto mature = [&](absl::Time now) {
    ASSERT_OK(Run([&](pqxx::work& tx) { return MatureUnbonding(tx, now).status(); }));
  };
  mature(t0 + absl::Seconds(59));
  EXPECT_EQ(Balance(a, kUnbonding), 200);
  EXPECT_EQ(Balance(a, kAvailable), 300);
  mature(t0 + absl::Seconds(60));
  EXPECT_EQ(Balance(a, kUnbonding), 0);
  EXPECT_EQ(Balance(a, kAvailable), 500);
  mature(t0 + absl::Seconds(120));  // released once only
  EXPECT_EQ(Balance(a, kAvailable), 500);
  EXPECT_TRUE(Verify().ok());
}

TEST_F(LedgerTest, SlashTakesStakedFirstThenTheSoonestUnbondingIntoTheTreasury) {
  struct Case {
    const char* what;
    int64_t staked, unbond_first, unbond_second, slash;
    int64_t want_taken, want_staked, want_first_lot, want_second_lot;
  };
  const std::vector<Case> cases = {
      {"from staked only", 100, 0, 0, 40, 40, 60, 0, 0},
      {"all of staked", 100, 0, 0, 100, 100, 0, 0, 0},
      {"staked then the soonest lot", 100, 30, 50, 120, 120, 0, 10, 50},
      {"across both lots", 100, 30, 50, 150, 150, 0, 0, 30},
      {"more than held takes all", 100, 30, 50, 500, 180, 0, 0, 0},
      {"only unbonding", 0, 30, 50, 40, 40, 0, 0, 40},
  };
  const absl::Time t0 = absl::FromUnixSeconds(1'900'000'000);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const int64_t total = c.staked + c.unbond_first + c.unbond_second;
    const std::string a = Funded(total + 1);
    ASSERT_OK(Run([&](pqxx::work& tx) { return Stake(tx, a, total, "s-" + a); }));
    if (c.unbond_second > 0) {  // the later lot first: soonest means release time, not age
      ASSERT_OK(Run([&](pqxx::work& tx) {
        return Unbond(tx, a, c.unbond_second, t0, absl::Seconds(100), "u2-" + a);
      }));
    }
    if (c.unbond_first > 0) {
      ASSERT_OK(Run([&](pqxx::work& tx) {
        return Unbond(tx, a, c.unbond_first, t0, absl::Seconds(10), "u1-" + a);
      }));
    }
    const int64_t treasury_before = Balance(kTreasury, kAvailable);
    int64_t taken = -1, replayed = -1;
    ASSERT_OK(Run([&](pqxx::work& tx) {
      auto r = Slash(tx, a, c.slash, "failed audits", "slash-" + a);
      if (r.ok()) taken = *r;
      return r.status();
    }));
    ASSERT_OK(Run([&](pqxx::work& tx) {
      auto r = Slash(tx, a, c.slash, "failed audits", "slash-" + a);
      if (r.ok()) replayed = *r;
      return r.status();
    }));
    EXPECT_EQ(taken, c.want_taken);
    EXPECT_EQ(replayed, c.want_taken);
    EXPECT_EQ(Balance(a, kStaked), c.want_staked);
    EXPECT_EQ(Balance(kTreasury, kAvailable), treasury_before + c.want_taken);
    std::vector<UnbondingLot> lots;
    ASSERT_OK(Run([&](pqxx::work& tx) {
      lots = OpenUnbondingLots(tx, a);
      return absl::OkStatus();
    }));
    std::vector<int64_t> amounts;
    for (const auto& lot : lots) amounts.push_back(lot.amount);
    std::vector<int64_t> want;
    if (c.want_first_lot) want.push_back(c.want_first_lot);
    if (c.want_second_lot) want.push_back(c.want_second_lot);
    EXPECT_EQ(amounts, want);
  }
  const std::string empty = NewAccount();
  int64_t nothing = -1;
  ASSERT_OK(Run([&](pqxx::work& tx) {
    auto r = Slash(tx, empty, 10, "no stake", "slash-" + empty);
    if (r.ok()) nothing = *r;
    return r.status();
  }));
  EXPECT_EQ(nothing, 0);
  EXPECT_THAT(Run([&](pqxx::work& tx) { return Slash(tx, empty, 0, "", "k").status(); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  InvariantReport report = Verify();
  EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.violations);
}

TEST_F(LedgerTest, PositiveBalancesListsEveryStakerInAccountOrder) {
  const std::string a = Funded(100), b = Funded(100), idle = Funded(100);
  ASSERT_OK(Run([&](pqxx::work& tx) { return Stake(tx, b, 30, "pb-" + b); }));
  ASSERT_OK(Run([&](pqxx::work& tx) { return Stake(tx, a, 20, "pb-" + a); }));
  std::vector<AccountBalance> stakers;
  ASSERT_OK(Run([&](pqxx::work& tx) {
    stakers = PositiveBalances(tx, kStaked);
    return absl::OkStatus();
  }));
  std::map<std::string, int64_t> ours;
  std::vector<std::string> order;
  for (const auto& s : stakers) {
    order.push_back(s.account_id);
    if (s.account_id == a || s.account_id == b || s.account_id == idle) {
      ours[s.account_id] = s.amount;
    }
  }
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
  EXPECT_EQ(ours, (std::map<std::string, int64_t>{{a, 20}, {b, 30}}));
}

TEST_F(LedgerTest, TransferAndGrantRefuseWhatTheyCannotDo) {
  const std::string a = Funded(10);
  EXPECT_THAT(Run([&](pqxx::work& tx) { return Transfer(tx, a, a, 1, "", "self-" + a); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Run([&](pqxx::work& tx) { return Transfer(tx, a, "b", 11, "", "over-" + a); }),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Run([&](pqxx::work& tx) { return Grant(tx, a, -5, "", "neg-" + a); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Run([&](pqxx::work& tx) { return Grant(tx, a, kSupply * 2, "", "huge-" + a); }),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Balance(a, kAvailable), 10);
}

TEST_F(LedgerTest, StatementsPageNewestFirstAndExportAsCsvAndJson) {
  const std::string a = Funded(1000);
  const std::string b = NewAccount();
  for (int i = 1; i <= 5; ++i) {
    ASSERT_OK(Run([&](pqxx::work& tx) {
      return Transfer(tx, a, b, i, "rent, \"month\" " + std::to_string(i),
                      "t-" + a + std::to_string(i));
    }));
  }
  std::vector<int64_t> seen;
  std::string cursor;
  int pages = 0;
  do {
    StatementPage page;
    ASSERT_OK(Run([&](pqxx::work& tx) {
      auto p = ListEntries(tx, a, 2, cursor);
      if (p.ok()) page = *p;
      return p.status();
    }));
    for (const auto& l : page.lines) seen.push_back(l.amount);
    cursor = page.next_cursor.value_or("");
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<int64_t>{-5, -4, -3, -2, -1, 1000}));
  EXPECT_THAT(Run([&](pqxx::work& tx) { return ListEntries(tx, a, 2, "nope").status(); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Run([&](pqxx::work& tx) { return ListEntries(tx, a, 0, "").status(); }),
              StatusIs(absl::StatusCode::kInvalidArgument));

  std::string csv, json;
  ASSERT_OK(Run([&](pqxx::work& tx) {
    csv = ExportStatement(tx, b, ExportFormat::kCsv);
    json = ExportStatement(tx, b, ExportFormat::kJson);
    return absl::OkStatus();
  }));
  EXPECT_EQ(csv.rfind("entry_id,transaction_id,time,kind,bucket,amount,reason\r\n", 0), 0u);
  EXPECT_NE(csv.find(",transfer,available,5,\"rent, \"\"month\"\" 5\"\r\n"), std::string::npos)
      << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 6);
  EXPECT_NE(json.find("\"accountId\":\"" + b + "\",\"truncated\":false"), std::string::npos);
  EXPECT_NE(json.find("\"amount\":\"5\",\"reason\":\"rent, \\\"month\\\" 5\""), std::string::npos)
      << json;

  // A reason that a spreadsheet would run as a formula stays text.
  const std::string c = NewAccount();
  ASSERT_OK(Run([&](pqxx::work& tx) {
    return Transfer(tx, a, c, 7, "=HYPERLINK(\"http://x\")", "t-formula-" + a);
  }));
  ASSERT_OK(Run([&](pqxx::work& tx) {
    csv = ExportStatement(tx, c, ExportFormat::kCsv);
    return absl::OkStatus();
  }));
  EXPECT_NE(csv.find(",7,\"'=HYPERLINK(\"\"http://x\"\")\"\r\n"), std::string::npos) << csv;
}

TEST_F(LedgerTest, TheCheckerReportsABalanceThatDisagreesWithItsEntries) {
  const std::string a = Funded(50);
  // Corrupt a balance inside a transaction that is then rolled back.
  InvariantReport report;
  absl::Status s = Run([&](pqxx::work& tx) {
    tx.exec_params0("UPDATE governance.balances SET amount = amount + 1 WHERE account_id = $1", a);
    report = VerifyInvariants(tx);
    return absl::AbortedError("roll back the corruption");
  });
  EXPECT_FALSE(report.ok());
  bool named = false;
  for (const auto& v : report.violations) named |= v.find(a) != std::string::npos;
  EXPECT_TRUE(named) << ::testing::PrintToString(report.violations);
  EXPECT_NE(report.total_balances, 0);
  InvariantReport clean = Verify();
  EXPECT_TRUE(clean.ok()) << ::testing::PrintToString(clean.violations);
  EXPECT_EQ(clean.supply_issued, kSupply);
  EXPECT_EQ(clean.mint_balance, -kSupply);
}

}  // namespace
}  // namespace datamesh::governance::ledger
