// The token ledger: double-entry bookkeeping in PostgreSQL (schema `governance`).
//
// Every movement of tokens is one transaction of entries that sum to zero; each entry moves one
// bucket of one account. Balances of user accounts and of every system account except the mint
// never go negative (enforced in SQL, not only here). Tokens enter circulation only from the mint
// account ("mint"), by the genesis configuration and the epoch issuance; the mint's balance is
// minus the supply, so the sum of every balance is always zero.
//
// All calls take the caller's pqxx::work so a ledger movement commits or rolls back together
// with the change that causes it (a vote deposit with its proposal, a reward with its epoch).
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace datamesh::governance::ledger {

// Buckets of an account. "available" is spendable; "staked" is bonded (voting power and
// operator collateral, slashable); "unbonding" is on its way back to available and still
// slashable; "held" is reward held back until its release date; "escrow" is a proposal deposit.
inline constexpr const char* kAvailable = "available";
inline constexpr const char* kStaked = "staked";
inline constexpr const char* kUnbonding = "unbonding";
inline constexpr const char* kHeld = "held";
inline constexpr const char* kEscrow = "escrow";

// System accounts (user accounts are user ids).
inline constexpr const char* kMint = "mint";          // minus the supply; the only negative one
inline constexpr const char* kTreasury = "treasury";  // slashes and burnt deposits land here
inline constexpr const char* kRewardsPool = "rewards";
inline constexpr const char* kFees = "fees";          // user payments

struct Entry {
  std::string account_id;
  std::string bucket;  // one of the k* buckets above
  int64_t amount = 0;  // signed micro-tokens: positive credits, negative debits
};

struct Movement {
  // "grant", "stake", "unbond", "unbond_complete", "reward", "release", "penalty",
  // "deposit", "deposit_refund", "deposit_burn", "treasury_spend", "payment", "transfer",
  // "issuance", "genesis".
  std::string kind;
  std::string reason;  // shown on statements, e.g. "epoch 42 reward"
  // A second Post with the same key changes nothing and returns the first transaction's id.
  std::string idempotency_key;
  std::vector<Entry> entries;  // must sum to zero; at least two
};

// Posts one balanced transaction. INVALID_ARGUMENT: entries that do not sum to zero, fewer
// than two, an unknown bucket, a zero amount. FAILED_PRECONDITION: a balance would go negative
// (nothing is written). Returns the transaction id.
absl::StatusOr<std::string> Post(pqxx::work& tx, const Movement& movement);

// One account's bucket balance (0 for unknown accounts).
int64_t BalanceOf(pqxx::work& tx, const std::string& account_id, const std::string& bucket);

struct AccountBalance {
  std::string account_id;
  int64_t amount = 0;
};

// Every account with a positive balance in `bucket`, ordered by account id. Proposals call it
// with kStaked to snapshot voting power when voting opens.
std::vector<AccountBalance> PositiveBalances(pqxx::work& tx, const std::string& bucket);

// Issues `supply` micro-tokens from the mint to the treasury's available bucket, once ever
// (idempotency key "genesis"); later calls change nothing, whatever `supply` they pass.
// INVALID_ARGUMENT when supply <= 0. Called by the service's start path.
absl::Status EnsureGenesis(pqxx::work& tx, int64_t supply);

// Whether `bucket` is one of the k* buckets above.
bool IsBucket(const std::string& bucket);

// Account ids are 1-128 characters without control characters. INVALID_ARGUMENT otherwise.
absl::Status ValidateAccountId(const std::string& account_id);

}  // namespace datamesh::governance::ledger
