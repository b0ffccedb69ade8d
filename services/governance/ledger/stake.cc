// Stake movements. Functions that also touch unbonding lots (Unbond, MatureUnbonding, Slash)
// first lock the account's balance rows the post will touch, in the ledger's one lock order;
// lots are only changed while holding the account's "unbonding" row, so a slash and a release
// of the same lot never interleave.
#include "services/governance/ledger/stake.h"

#include "absl/strings/str_cat.h"
#include "services/governance/ledger/ledger.h"
#include "services/governance/ledger/ledger_internal.h"

namespace datamesh::governance::ledger {
namespace {

using internal::BalanceKey;

absl::Status CheckAmount(int64_t amount) {
  if (amount <= 0) return absl::InvalidArgumentError("the amount must be positive");
  return absl::OkStatus();
}

absl::Status Move(pqxx::work& tx, const char* kind, const std::string& reason,
                  const std::string& key, Entry from, Entry to) {
  Movement m;
  m.kind = kind;
  m.reason = reason;
  m.idempotency_key = key;
  m.entries = {std::move(from), std::move(to)};
  return Post(tx, m).status();
}

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

}  // namespace

absl::Status Stake(pqxx::work& tx, const std::string& account, int64_t amount,
                   const std::string& key) {
  if (absl::Status s = CheckAmount(amount); !s.ok()) return s;
  return Move(tx, "stake", "stake", key, {account, kAvailable, -amount},
              {account, kStaked, amount});
}

absl::Status Unbond(pqxx::work& tx, const std::string& account, int64_t amount, absl::Time now,
                    absl::Duration unbonding_period, const std::string& key) {
  if (absl::Status s = CheckAmount(amount); !s.ok()) return s;
  if (unbonding_period < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the unbonding period cannot be negative");
  }
  Movement m;
  m.kind = "unbond";
  m.reason = "unbond";
  m.idempotency_key = key;
  m.entries = {{account, kStaked, -amount}, {account, kUnbonding, amount}};
  absl::StatusOr<std::string> id = Post(tx, m);
  if (!id.ok()) return id.status();
  // Keyed by the transaction: a replayed post returns the same id and adds no second lot.
  tx.exec_params0(
      "INSERT INTO governance.unbonding_lots (transaction_id, account_id, amount, release_at) "
      "VALUES ($1::bigint, $2, $3, to_timestamp($4::bigint / 1e6)) "
      "ON CONFLICT (transaction_id) DO NOTHING",
      *id, account, amount, Micros(now + unbonding_period));
  return absl::OkStatus();
}

absl::StatusOr<int> MatureUnbonding(pqxx::work& tx, absl::Time now) {
  pqxx::result due = tx.exec_params(
      "SELECT id, account_id FROM governance.unbonding_lots "
      "WHERE NOT released AND release_at <= to_timestamp($1::bigint / 1e6) ORDER BY id LIMIT 1000",
      Micros(now));
  int released = 0;
  for (const pqxx::row& lot : due) {
    const std::string id = lot[0].as<std::string>();
    const std::string account = lot[1].as<std::string>();
    internal::LockBalances(tx, {{{account, kAvailable}, 0}, {{account, kUnbonding}, 0}});
    // Re-read under the lock: a slash may have shrunk or released it since the scan.
    pqxx::result now_lot = tx.exec_params(
        "SELECT amount FROM governance.unbonding_lots WHERE id = $1::bigint AND NOT released", id);
    if (now_lot.empty()) continue;
    const int64_t amount = now_lot[0][0].as<int64_t>();
    if (amount > 0) {
      absl::Status s = Move(tx, "unbond_complete", "unbonding period over", "unbond_complete/" + id,
                            {account, kUnbonding, -amount}, {account, kAvailable, amount});
      if (!s.ok()) return s;
    }
    tx.exec_params0("UPDATE governance.unbonding_lots SET released = true WHERE id = $1::bigint",
                    id);
    ++released;
  }
  return released;
}

absl::StatusOr<int64_t> Slash(pqxx::work& tx, const std::string& account, int64_t amount,
                              const std::string& reason, const std::string& key) {
  if (absl::Status s = CheckAmount(amount); !s.ok()) return s;
  if (absl::Status s = ValidateAccountId(account); !s.ok()) return s;
  if (key.empty()) return absl::InvalidArgumentError("a slash needs an idempotency key");
  std::map<BalanceKey, int64_t> held = internal::LockBalances(
      tx, {{{account, kStaked}, 0}, {{account, kUnbonding}, 0}, {{kTreasury, kAvailable}, 0}});
  if (auto id = internal::TransactionWithKey(tx, key)) {
    return tx
        .exec_params1(
            "SELECT amount FROM governance.ledger_entries WHERE transaction_id = "
            "$1::bigint AND account_id = $2 AND bucket = $3",
            *id, std::string(kTreasury), std::string(kAvailable))[0]
        .as<int64_t>();
  }
  const int64_t from_staked = std::min(amount, held[{account, kStaked}]);
  const int64_t from_unbonding = std::min(amount - from_staked, held[{account, kUnbonding}]);
  if (from_staked + from_unbonding == 0) return int64_t{0};
  Movement m;
  m.kind = "penalty";
  m.reason = reason;
  m.idempotency_key = key;
  if (from_staked > 0) m.entries.push_back({account, kStaked, -from_staked});
  if (from_unbonding > 0) m.entries.push_back({account, kUnbonding, -from_unbonding});
  m.entries.push_back({kTreasury, kAvailable, from_staked + from_unbonding});
  absl::StatusOr<std::string> id = Post(tx, m);
  if (!id.ok()) return id.status();
  // Take the unbonding part from the lots that release soonest, one statement: each lot gives
  // what is left of the slash after the lots before it.
  if (from_unbonding > 0) {
    tx.exec_params0(
        "WITH ordered AS (SELECT id, amount, SUM(amount) OVER (ORDER BY release_at, id) - amount "
        "AS before FROM governance.unbonding_lots WHERE account_id = $1 AND NOT released) "
        "UPDATE governance.unbonding_lots l SET amount = l.amount - "
        "LEAST(o.amount, GREATEST($2::bigint - o.before, 0)) FROM ordered o "
        "WHERE l.id = o.id AND o.before < $2::bigint",
        account, from_unbonding);
  }
  return from_staked + from_unbonding;
}

absl::Status Grant(pqxx::work& tx, const std::string& account, int64_t amount,
                   const std::string& reason, const std::string& key) {
  if (absl::Status s = CheckAmount(amount); !s.ok()) return s;
  return Move(tx, "grant", reason, key, {kTreasury, kAvailable, -amount},
              {account, kAvailable, amount});
}

absl::Status Transfer(pqxx::work& tx, const std::string& from, const std::string& to,
                      int64_t amount, const std::string& reason, const std::string& key) {
  if (absl::Status s = CheckAmount(amount); !s.ok()) return s;
  if (from == to) return absl::InvalidArgumentError("a transfer needs two different accounts");
  return Move(tx, "transfer", reason, key, {from, kAvailable, -amount}, {to, kAvailable, amount});
}

std::vector<UnbondingLot> OpenUnbondingLots(pqxx::work& tx, const std::string& account) {
  std::vector<UnbondingLot> lots;
  for (const pqxx::row& r : tx.exec_params(
           "SELECT amount, (extract(epoch FROM release_at) * 1e6)::bigint FROM "
           "governance.unbonding_lots WHERE account_id = $1 AND NOT released AND amount > 0 "
           "ORDER BY release_at, id",
           account)) {
    lots.push_back({r[0].as<int64_t>(), absl::FromUnixMicros(r[1].as<int64_t>())});
  }
  return lots;
}

}  // namespace datamesh::governance::ledger
