// Each invariant is one query returning the offending rows (a few examples each), so a broken
// ledger is reported with the rows an operator has to look at. They travel as one UNION ALL
// statement, plus one for the figures: the checker runs after every step of the simulation,
// where round trips dominate.
#include "services/governance/ledger/invariants.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/governance/ledger/ledger.h"

namespace datamesh::governance::ledger {
namespace {

struct Check {
  const char* what;
  const char* sql;  // returns one text column describing each offending row
};

constexpr Check kChecks[] = {
    {"transaction not balanced (id, entries, sum)",
     "SELECT concat_ws(' ', t.id, count(e.id), COALESCE(SUM(e.amount), 0)) FROM "
     "governance.ledger_transactions t LEFT JOIN governance.ledger_entries e "
     "ON e.transaction_id = t.id GROUP BY t.id HAVING count(e.id) < 2 OR "
     "COALESCE(SUM(e.amount), 0) <> 0 ORDER BY t.id"},
    {"balance differs from its entries (account, bucket, balance, entries)",
     "SELECT concat_ws(' ', COALESCE(b.account_id, s.account_id), COALESCE(b.bucket, s.bucket), "
     "COALESCE(b.amount, 0), COALESCE(s.total, 0)) FROM governance.balances b FULL JOIN (SELECT "
     "account_id, bucket, SUM(amount) AS total FROM governance.ledger_entries GROUP BY 1, 2) s "
     "ON s.account_id = b.account_id AND s.bucket = b.bucket "
     "WHERE COALESCE(b.amount, 0) <> COALESCE(s.total, 0)"},
    {"negative balance (account, bucket, amount)",
     "SELECT concat_ws(' ', account_id, bucket, amount) FROM governance.balances "
     "WHERE amount < 0 AND account_id <> 'mint'"},
    {"the mint moved outside genesis and issuance (transaction, kind)",
     "SELECT DISTINCT concat_ws(' ', t.id, t.kind) FROM governance.ledger_entries e JOIN "
     "governance.ledger_transactions t ON t.id = e.transaction_id "
     "WHERE e.account_id = 'mint' AND t.kind NOT IN ('genesis', 'issuance')"},
    {"unbonding lots differ from the unbonding balance (account, lots, balance)",
     "SELECT concat_ws(' ', COALESCE(l.account_id, b.account_id), COALESCE(l.total, 0), "
     "COALESCE(b.amount, 0)) FROM (SELECT account_id, SUM(amount) AS total FROM "
     "governance.unbonding_lots WHERE NOT released GROUP BY 1) l FULL JOIN (SELECT account_id, "
     "amount FROM governance.balances WHERE bucket = 'unbonding') b "
     "ON b.account_id = l.account_id WHERE COALESCE(l.total, 0) <> COALESCE(b.amount, 0)"},
};

constexpr int kExamples = 5;

std::string ViolationsQuery() {
  std::vector<std::string> parts;
  for (size_t i = 0; i < std::size(kChecks); ++i) {
    parts.push_back(absl::StrCat("(SELECT ", i, " AS check_index, detail FROM (", kChecks[i].sql,
                                 ") AS c", i, " (detail) LIMIT ", kExamples, ")"));
  }
  return absl::StrJoin(parts, " UNION ALL ");
}

}  // namespace

InvariantReport VerifyInvariants(pqxx::work& tx) {
  InvariantReport report;
  pqxx::row figures = tx.exec1(
      "SELECT (SELECT count(*) FROM governance.ledger_transactions), "
      "(SELECT count(*) FROM governance.ledger_entries), "
      "(SELECT COALESCE(SUM(amount), 0)::bigint FROM governance.balances), "
      "(SELECT COALESCE(SUM(e.amount), 0)::bigint FROM governance.ledger_entries e JOIN "
      " governance.ledger_transactions t ON t.id = e.transaction_id "
      " WHERE t.kind IN ('genesis', 'issuance') AND e.account_id <> 'mint'), "
      "(SELECT COALESCE(SUM(amount), 0)::bigint FROM governance.balances "
      " WHERE account_id = 'mint')");
  report.transactions = figures[0].as<int64_t>();
  report.entries = figures[1].as<int64_t>();
  report.total_balances = figures[2].as<int64_t>();
  report.supply_issued = figures[3].as<int64_t>();
  report.mint_balance = figures[4].as<int64_t>();

  static const std::string kQuery = ViolationsQuery();
  for (const pqxx::row& r : tx.exec(kQuery)) {
    report.violations.push_back(
        absl::StrCat(kChecks[r[0].as<int>()].what, ": ", r[1].as<std::string>()));
  }
  if (report.mint_balance != -report.supply_issued) {
    report.violations.push_back(absl::StrCat("the mint holds ", report.mint_balance,
                                             ", not minus the supply issued ",
                                             report.supply_issued));
  }
  if (report.total_balances != 0) {
    report.violations.push_back(
        absl::StrCat("the balances sum to ", report.total_balances, ", not 0"));
  }
  return report;
}

}  // namespace datamesh::governance::ledger
