// Posting to the ledger. One Post is two statements: lock the touched balance rows (in one
// fixed order, so two posts over the same accounts never deadlock) while looking for an earlier
// post with the same idempotency key, then write the transaction, its entries and the new
// balances in one statement. Refusals (bad input, a balance that would go negative, a replay)
// return before the write, so nothing of a refused post is ever in the caller's transaction.
#include "services/governance/ledger/ledger.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/governance/ledger/ledger_internal.h"

namespace datamesh::governance::ledger {
namespace internal {

// Runs `sql` as a statement prepared once per connection, named after its text: the ledger's
// statements differ only by their number of entries, and parsing and planning them anew was
// most of a transfer's cost in PostgreSQL. A prepared statement changes no session behaviour,
// so pooled connections may keep it.
pqxx::result ExecPrepared(pqxx::work& tx, const std::string& sql,
                          const std::vector<std::string>& params) {
  const std::string name = absl::StrCat("dm_ledger_", absl::Hex(std::hash<std::string>{}(sql)));
  tx.conn().prepare(name, sql);  // a no-op when this connection already knows it
  return tx.exec_prepared(name, pqxx::prepare::make_dynamic_params(params));
}

std::map<BalanceKey, int64_t> LockBalances(pqxx::work& tx,
                                           const std::map<BalanceKey, int64_t>& keys,
                                           const std::string* idempotency_key,
                                           std::optional<std::string>* posted) {
  std::map<BalanceKey, int64_t> current;
  if (keys.empty()) return current;
  std::vector<std::string> params;
  std::string rows;
  for (const auto& [key, unused] : keys) {
    absl::StrAppend(&rows, params.empty() ? "" : ",", "($", params.size() + 1, "::text,$",
                    params.size() + 2, "::text)");
    params.push_back(key.first);
    params.push_back(key.second);
  }
  std::string posted_sql = "NULL::bigint";
  if (idempotency_key != nullptr) {
    params.push_back(*idempotency_key);
    posted_sql = absl::StrCat(
        "(SELECT id FROM governance.ledger_transactions WHERE "
        "idempotency_key = $",
        params.size(), ")");
  }
  // ORDER BY sits below the row locking in the plan, so rows are locked in this order: byte
  // order ("C"), the order of std::map, in which new rows are inserted too.
  const std::string sql =
      absl::StrCat("SELECT account_id, bucket, amount, ", posted_sql,
                   " FROM governance.balances WHERE (account_id, bucket) IN (", rows,
                   ") ORDER BY account_id COLLATE \"C\", bucket COLLATE \"C\" FOR UPDATE");
  for (const pqxx::row& r : ExecPrepared(tx, sql, params)) {
    current[{r[0].as<std::string>(), r[1].as<std::string>()}] = r[2].as<int64_t>();
    if (posted != nullptr && !r[3].is_null()) *posted = r[3].as<std::string>();
  }
  return current;
}

std::optional<std::string> TransactionWithKey(pqxx::work& tx, const std::string& key) {
  pqxx::result r = tx.exec_params(
      "SELECT id FROM governance.ledger_transactions WHERE idempotency_key = $1", key);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

}  // namespace internal
namespace {

using internal::BalanceKey;
using internal::LockBalances;

constexpr size_t kMaxKeyLength = 200;
constexpr size_t kMaxReasonLength = 1000;
constexpr size_t kMaxEntries = 64;

absl::Status Validate(const Movement& m) {
  if (m.kind.empty()) return absl::InvalidArgumentError("a ledger movement needs a kind");
  if (m.idempotency_key.empty() || m.idempotency_key.size() > kMaxKeyLength) {
    return absl::InvalidArgumentError("the idempotency key must be 1-200 characters");
  }
  if (m.reason.size() > kMaxReasonLength) {
    return absl::InvalidArgumentError("the reason is longer than 1000 characters");
  }
  if (m.entries.size() < 2 || m.entries.size() > kMaxEntries) {
    return absl::InvalidArgumentError("a ledger transaction has 2-64 entries");
  }
  // Summed in 128 bits: int64 entries cannot overflow it, so a sum of zero is exact.
  __int128 sum = 0;
  for (const Entry& e : m.entries) {
    if (absl::Status s = ValidateAccountId(e.account_id); !s.ok()) return s;
    if (!IsBucket(e.bucket)) return absl::InvalidArgumentError("unknown bucket: " + e.bucket);
    if (e.amount == 0) return absl::InvalidArgumentError("a ledger entry cannot be zero");
    sum += e.amount;
  }
  if (sum != 0) return absl::InvalidArgumentError("the entries do not sum to zero");
  return absl::OkStatus();
}

// Net change per (account, bucket), ordered: the lock order and the balance update order.
absl::StatusOr<std::map<BalanceKey, int64_t>> NetChanges(const Movement& m) {
  std::map<BalanceKey, __int128> wide;
  for (const Entry& e : m.entries) wide[{e.account_id, e.bucket}] += e.amount;
  std::map<BalanceKey, int64_t> net;
  for (const auto& [key, delta] : wide) {
    if (delta > INT64_MAX || delta < INT64_MIN) {
      return absl::InvalidArgumentError("an entry amount is out of range");
    }
    if (delta != 0) net[key] = static_cast<int64_t>(delta);
  }
  return net;
}

absl::Status CheckFunds(const std::map<BalanceKey, int64_t>& net,
                        const std::map<BalanceKey, int64_t>& current) {
  for (const auto& [key, delta] : net) {
    if (key.first == kMint) continue;
    auto it = current.find(key);
    const int64_t have = it == current.end() ? 0 : it->second;
    if (delta < 0 && have + delta < 0) {
      return absl::FailedPreconditionError(absl::StrCat("insufficient ", key.second, " balance of ",
                                                        key.first, ": ", have, " < ", -delta));
    }
    if (delta > 0 && have > INT64_MAX - delta) {
      return absl::FailedPreconditionError("balance of " + key.first + " would overflow");
    }
  }
  return absl::OkStatus();
}

// Inserts the accounts, the transaction, its entries and the balance changes in one statement
// (data-modifying CTEs; the foreign keys are checked at its end, after the accounts exist).
// Returns the new transaction's id, or nothing when a concurrent post took the key first.
std::optional<std::string> Write(pqxx::work& tx, const Movement& m,
                                 const std::map<BalanceKey, int64_t>& net,
                                 const std::map<BalanceKey, int64_t>& current) {
  std::vector<std::string> params = {m.kind, m.reason, m.idempotency_key};
  auto param = [&params](std::string value) {
    params.push_back(std::move(value));
    return absl::StrCat("$", params.size());
  };
  std::map<std::string, std::string> account_params;
  for (const Entry& e : m.entries) {
    if (!account_params.count(e.account_id)) account_params[e.account_id] = param(e.account_id);
  }
  // An account with a balance row exists already; only the others are inserted.
  std::set<std::string> known;
  for (const auto& [key, amount] : current) known.insert(key.first);
  std::string accounts, entries;
  for (const auto& [id, p] : account_params) {
    if (known.count(id)) continue;
    absl::StrAppend(&accounts, accounts.empty() ? "" : ",", "(", p, "::text)");
  }
  for (const Entry& e : m.entries) {
    absl::StrAppend(&entries, entries.empty() ? "" : ",", "(", account_params[e.account_id],
                    "::text,", param(e.bucket), "::text,", param(std::to_string(e.amount)),
                    "::bigint)");
  }
  // Rows that exist (locked by LockBalances) are updated; new ones, always credits or the
  // mint's, inserted. Not one upsert: PostgreSQL checks the CHECK constraint on the row an
  // INSERT proposes before it finds the conflict, so a debit cannot travel as an insert.
  // Entries that cancel out within one (account, bucket) are in neither list.
  std::string updates, inserts;
  for (const auto& [key, delta] : net) {
    std::string& list = current.count(key) ? updates : inserts;
    absl::StrAppend(&list, list.empty() ? "" : ",", "(", account_params[key.first], "::text,",
                    param(key.second), "::text,", param(std::to_string(delta)), "::bigint)");
  }
  const std::string sql = absl::StrCat(
      "WITH ",
      accounts.empty() ? ""
                       : absl::StrCat("a AS (INSERT INTO governance.accounts (id) VALUES ",
                                      accounts, " ON CONFLICT (id) DO NOTHING), "),
      "t AS (INSERT INTO governance.ledger_transactions (kind, reason, idempotency_key) "
      "VALUES ($1, $2, $3) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id), "
      "e AS (INSERT INTO governance.ledger_entries (transaction_id, account_id, bucket, amount) "
      "SELECT t.id, v.account_id, v.bucket, v.amount FROM t, (VALUES ",
      entries, ") AS v (account_id, bucket, amount))",
      updates.empty()
          ? ""
          : absl::StrCat(", u AS (UPDATE governance.balances b SET amount = b.amount + v.delta "
                         "FROM t, (VALUES ",
                         updates,
                         ") AS v (account_id, bucket, delta) "
                         "WHERE b.account_id = v.account_id AND b.bucket = v.bucket)"),
      inserts.empty()
          ? ""
          : absl::StrCat(", n AS (INSERT INTO governance.balances (account_id, bucket, amount) "
                         "SELECT v.account_id, v.bucket, v.amount FROM t, (VALUES ",
                         inserts,
                         ") AS v (account_id, bucket, amount) ON CONFLICT (account_id, bucket) "
                         "DO UPDATE SET amount = balances.amount + EXCLUDED.amount)"),
      " SELECT id FROM t");
  pqxx::result r = internal::ExecPrepared(tx, sql, params);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

}  // namespace

bool IsBucket(const std::string& bucket) {
  return bucket == kAvailable || bucket == kStaked || bucket == kUnbonding || bucket == kHeld ||
         bucket == kEscrow;
}

absl::Status ValidateAccountId(const std::string& account_id) {
  if (account_id.empty() || account_id.size() > 128) {
    return absl::InvalidArgumentError("an account id is 1-128 characters");
  }
  for (unsigned char c : account_id) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("an account id has no control characters");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Post(pqxx::work& tx, const Movement& movement) {
  if (absl::Status s = Validate(movement); !s.ok()) return s;
  absl::StatusOr<std::map<BalanceKey, int64_t>> net = NetChanges(movement);
  if (!net.ok()) return net.status();
  // The lock statement also looks for an earlier post with this key (saving a round trip). Its
  // look may predate a concurrent post of the same key that held our rows; that one is found
  // below: by the refusal path's second look, or by the write's conflict on the key.
  std::optional<std::string> posted;
  const std::map<BalanceKey, int64_t> current =
      LockBalances(tx, *net, &movement.idempotency_key, &posted);
  if (current.empty()) posted = internal::TransactionWithKey(tx, movement.idempotency_key);
  if (posted) return *posted;
  if (absl::Status s = CheckFunds(*net, current); !s.ok()) {
    // A replay is answered as the first post was, even once the funds it moved are gone.
    if (auto id = internal::TransactionWithKey(tx, movement.idempotency_key)) return *id;
    return s;
  }
  if (auto id = Write(tx, movement, *net, current)) return *id;
  // Another post with this key committed between our check and our insert (it touched other
  // rows than ours, so the locks did not order us): it is the first one.
  if (auto id = internal::TransactionWithKey(tx, movement.idempotency_key)) return *id;
  return absl::AbortedError("ledger post lost a race on its idempotency key; retry");
}

int64_t BalanceOf(pqxx::work& tx, const std::string& account_id, const std::string& bucket) {
  pqxx::result r =
      tx.exec_params("SELECT amount FROM governance.balances WHERE account_id = $1 AND bucket = $2",
                     account_id, bucket);
  return r.empty() ? 0 : r[0][0].as<int64_t>();
}

std::vector<AccountBalance> PositiveBalances(pqxx::work& tx, const std::string& bucket) {
  std::vector<AccountBalance> out;
  for (const pqxx::row& r : tx.exec_params(
           "SELECT account_id, amount FROM governance.balances WHERE bucket = $1 AND amount > 0 "
           "ORDER BY account_id COLLATE \"C\"",
           bucket)) {
    out.push_back({r[0].as<std::string>(), r[1].as<int64_t>()});
  }
  return out;
}

absl::Status EnsureGenesis(pqxx::work& tx, int64_t supply) {
  if (supply <= 0) return absl::InvalidArgumentError("the genesis supply must be positive");
  Movement m;
  m.kind = "genesis";
  m.reason = "genesis supply";
  m.idempotency_key = "genesis";
  m.entries = {{kMint, kAvailable, -supply}, {kTreasury, kAvailable, supply}};
  return Post(tx, m).status();
}

}  // namespace datamesh::governance::ledger
