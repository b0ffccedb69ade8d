// The ledger's invariants, checked against everything stored (the admin RPC VerifyLedger and
// the simulation test after every step).
//
// Reads only; run it in a REPEATABLE READ (or SERIALIZABLE) transaction when writers are
// active, so every query sees the same snapshot. Cost grows with the whole ledger: an admin
// operation, not something for a request path.
#pragma once

#include <cstdint>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace datamesh::governance::ledger {

struct InvariantReport {
  // Empty when every invariant holds; otherwise one line per violation (at most a few
  // examples of each kind).
  std::vector<std::string> violations;
  int64_t transactions = 0;    // how many transactions were checked
  int64_t entries = 0;         // and entries
  int64_t supply_issued = 0;   // credited by "genesis" and "issuance" transactions
  int64_t mint_balance = 0;    // must be -supply_issued
  int64_t total_balances = 0;  // sum of every balance row; must be 0

  bool ok() const { return violations.empty(); }
};

// Checks that: every transaction has at least two entries summing to zero; every balance row
// equals the sum of its entries; no balance is negative except the mint's; the mint moves only
// in genesis and issuance transactions and holds minus the supply they issued; all balances sum
// to zero; every account's open unbonding lots sum to its "unbonding" balance.
InvariantReport VerifyInvariants(pqxx::work& tx);

}  // namespace datamesh::governance::ledger
