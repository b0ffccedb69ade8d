// A seeded randomized simulation of the ledger: thousands of random operations (grants,
// transfers, stakes, unbonds, maturing, slashes, proposal deposits into escrow and back or
// burnt, replays, malformed posts) against a real PostgreSQL, with VerifyInvariants and an
// in-memory model of every balance and unbonding lot checked after every step.
//
// The seed is printed; DM_LEDGER_SEED=<n> replays a run, DM_LEDGER_STEPS=<n> changes its length.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/governance/ledger/ledger_test_fixture.h"
#include "services/governance/ledger/stake.h"

namespace datamesh::governance::ledger {
namespace {

using Key = std::pair<std::string, std::string>;

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

// What the ledger should hold: balances and unbonding lots, changed by the same rules.
struct Model {
  struct Lot {
    int64_t amount;
    absl::Time release_at;
    int64_t order;  // creation order, the tie-break of equal release times
  };
  std::map<Key, int64_t> balances;
  std::map<std::string, std::vector<Lot>> lots;
  int64_t lot_order = 0;

  int64_t& At(const std::string& a, const std::string& b) { return balances[{a, b}]; }
  void Move(const std::string& a, const std::string& ab, const std::string& b,
            const std::string& bb, int64_t amount) {
    At(a, ab) -= amount;
    At(b, bb) += amount;
  }
  void SortLots(const std::string& a) {
    std::sort(lots[a].begin(), lots[a].end(), [](const Lot& x, const Lot& y) {
      return std::tie(x.release_at, x.order) < std::tie(y.release_at, y.order);
    });
  }
};

class LedgerSimulationTest : public LedgerFixture {
 protected:
  void ExpectMatches(Model& model, uint64_t step) {
    std::map<Key, int64_t> stored;
    InvariantReport report;
    ASSERT_OK(Run([&](pqxx::work& tx) {
      for (const pqxx::row& r : tx.exec(
               "SELECT account_id, bucket, amount FROM governance.balances WHERE amount <> 0")) {
        stored[{r[0].as<std::string>(), r[1].as<std::string>()}] = r[2].as<int64_t>();
      }
      report = VerifyInvariants(tx);
      return absl::OkStatus();
    }));
    ASSERT_TRUE(report.ok()) << "step " << step << ": "
                             << ::testing::PrintToString(report.violations);
    std::map<Key, int64_t> expected;
    for (const auto& [k, v] : model.balances) {
      if (v != 0) expected[k] = v;
    }
    ASSERT_EQ(stored, expected) << "step " << step;
  }
};

TEST_F(LedgerSimulationTest, RandomOperationsKeepEveryInvariantAndMatchTheModel) {
  const uint64_t seed = EnvOr("DM_LEDGER_SEED", std::random_device{}());
  const uint64_t steps = EnvOr("DM_LEDGER_STEPS", 3000);
  std::cout << "ledger simulation: DM_LEDGER_SEED=" << seed << " steps=" << steps << std::endl;
  std::mt19937_64 rng(seed);
  auto pick = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };

  Model model;
  model.At(kMint, kAvailable) = -kSupply;
  model.At(kTreasury, kAvailable) = kSupply;
  const std::string run = bus::NewUuidV4().substr(0, 8);
  std::vector<std::string> users;
  for (int i = 0; i < 6; ++i) users.push_back(absl::StrCat("sim-", run, "-", i));
  absl::Time now = absl::FromUnixSeconds(1'900'000'000);
  std::vector<std::pair<Movement, std::string>> done;  // posted movements, for replays
  std::map<std::string, int> counts;

  for (uint64_t step = 0; step < steps; ++step) {
    const std::string key = absl::StrCat("sim-", run, "-", step);
    const std::string& a = users[pick(0, users.size() - 1)];
    const std::string& b = users[pick(0, users.size() - 1)];
    const int64_t amount = pick(1, 5'000);
    const int op = pick(0, 11);
    absl::Status status;
    bool expect_ok = true;
    if (op == 0) {  // grant
      status = Run([&](pqxx::work& tx) { return Grant(tx, a, amount * 10, "sim grant", key); });
      model.Move(kTreasury, kAvailable, a, kAvailable, amount * 10);
      counts["grant"]++;
    } else if (op == 1 || op == 2) {  // transfer, possibly more than held
      expect_ok = a != b && model.At(a, kAvailable) >= amount;
      status = Run([&](pqxx::work& tx) { return Transfer(tx, a, b, amount, "sim", key); });
      if (expect_ok) model.Move(a, kAvailable, b, kAvailable, amount);
      counts["transfer"]++;
    } else if (op == 3) {  // stake
      expect_ok = model.At(a, kAvailable) >= amount;
      status = Run([&](pqxx::work& tx) { return Stake(tx, a, amount, key); });
      if (expect_ok) model.Move(a, kAvailable, a, kStaked, amount);
      counts["stake"]++;
    } else if (op == 4) {  // unbond
      expect_ok = model.At(a, kStaked) >= amount;
      const absl::Duration period = absl::Seconds(pick(0, 30));
      status = Run([&](pqxx::work& tx) { return Unbond(tx, a, amount, now, period, key); });
      if (expect_ok) {
        model.Move(a, kStaked, a, kUnbonding, amount);
        model.lots[a].push_back({amount, now + period, model.lot_order++});
        model.SortLots(a);
      }
      counts["unbond"]++;
    } else if (op == 5) {  // time passes; matured lots return
      now += absl::Seconds(pick(1, 10));
      status = Run([&](pqxx::work& tx) { return MatureUnbonding(tx, now).status(); });
      for (auto& [acct, lots] : model.lots) {
        std::vector<Model::Lot> kept;
        for (const auto& lot : lots) {
          if (lot.release_at <= now) {
            model.Move(acct, kUnbonding, acct, kAvailable, lot.amount);
          } else {
            kept.push_back(lot);
          }
        }
        lots = kept;
      }
      counts["mature"]++;
    } else if (op == 6) {  // slash: staked first, then the soonest lots
      const int64_t want = pick(1, 8'000);
      int64_t taken = -1;
      status = Run([&](pqxx::work& tx) {
        auto r = Slash(tx, a, want, "sim slash", key);
        if (r.ok()) taken = *r;
        return r.status();
      });
      int64_t left = want;
      const int64_t from_staked = std::min(left, model.At(a, kStaked));
      model.Move(a, kStaked, kTreasury, kAvailable, from_staked);
      left -= from_staked;
      for (auto& lot : model.lots[a]) {
        const int64_t t = std::min(left, lot.amount);
        lot.amount -= t;
        left -= t;
        model.Move(a, kUnbonding, kTreasury, kAvailable, t);
      }
      std::erase_if(model.lots[a], [](const Model::Lot& l) { return l.amount == 0; });
      if (status.ok()) {
        ASSERT_EQ(taken, want - left) << "step " << step;
      }
      counts["slash"]++;
    } else if (op == 7) {  // a proposal deposit into escrow
      expect_ok = model.At(a, kAvailable) >= amount;
      Movement m{"deposit", "sim deposit", key, {{a, kAvailable, -amount}, {a, kEscrow, amount}}};
      status = Run([&](pqxx::work& tx) { return Post(tx, m).status(); });
      if (expect_ok) model.Move(a, kAvailable, a, kEscrow, amount);
      counts["deposit"]++;
    } else if (op == 8) {  // the deposit refunded, or burnt into the treasury (vetoed)
      const bool burn = pick(0, 3) == 0;
      expect_ok = model.At(a, kEscrow) >= amount;
      Movement m{burn ? "deposit_burn" : "deposit_refund",
                 "sim",
                 key,
                 {{a, kEscrow, -amount},
                  burn ? Entry{kTreasury, kAvailable, amount} : Entry{a, kAvailable, amount}}};
      status = Run([&](pqxx::work& tx) { return Post(tx, m).status(); });
      if (expect_ok) {
        model.Move(a, kEscrow, burn ? kTreasury : a, kAvailable, amount);
      }
      counts["refund/burn"]++;
    } else if (op == 9 && !done.empty()) {  // a replay of an earlier post: nothing moves
      const auto& [m, first_id] = done[pick(0, done.size() - 1)];
      std::string id;
      status = Run([&](pqxx::work& tx) {
        auto r = Post(tx, m);
        if (r.ok()) id = *r;
        return r.status();
      });
      if (status.ok()) {
        ASSERT_EQ(id, first_id) << "step " << step;
      }
      counts["replay"]++;
    } else if (op == 10) {  // malformed: unbalanced, refused
      expect_ok = false;
      Movement m{"transfer", "bad", key, {{a, kAvailable, -amount}, {b, kAvailable, amount + 1}}};
      status = Run([&](pqxx::work& tx) { return Post(tx, m).status(); });
      ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << "step " << step;
      counts["malformed"]++;
    } else {  // a plain posted transfer remembered for replays
      expect_ok = a != b && model.At(a, kAvailable) >= amount;
      Movement m{"transfer", "sim", key, {{a, kAvailable, -amount}, {b, kAvailable, amount}}};
      std::string id;
      status = Run([&](pqxx::work& tx) {
        auto r = Post(tx, m);
        if (r.ok()) id = *r;
        return r.status();
      });
      if (status.ok() && a != b) {
        model.Move(a, kAvailable, b, kAvailable, amount);
        done.push_back({m, id});
      }
      // a == b nets to zero per key: allowed, moves nothing.
      if (a == b) expect_ok = true;
      counts["post"]++;
    }
    if (expect_ok) {
      ASSERT_OK(status) << "step " << step << " op " << op;
    } else if (op != 10) {
      ASSERT_TRUE(status.code() == absl::StatusCode::kFailedPrecondition ||
                  status.code() == absl::StatusCode::kInvalidArgument)
          << "step " << step << " op " << op << ": " << status;
    }
    ExpectMatches(model, step);
    if (HasFatalFailure()) return;
  }
  for (const auto& [what, n] : counts) std::cout << "  " << what << ": " << n << std::endl;
}

}  // namespace
}  // namespace datamesh::governance::ledger
