// Stake, unbonding, slashing, grants and transfers: the ledger movements the governance RPCs
// and workers make, each one Post (ledger.h) plus, for unbonding, its lot.
//
// Every function takes the caller's transaction and an idempotency key: a second call with the
// same key changes nothing and answers as the first did. Amounts are micro-tokens and must be
// positive (INVALID_ARGUMENT otherwise); a bucket too small is FAILED_PRECONDITION and writes
// nothing. Thread safety: as the pqxx::work passed in (one thread per transaction).
#pragma once

#include <cstdint>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace datamesh::governance::ledger {

// available -> staked.
absl::Status Stake(pqxx::work& tx, const std::string& account, int64_t amount,
                   const std::string& key);

// staked -> unbonding, as a lot released to available at `now + unbonding_period` by
// MatureUnbonding. Until then it is still slashable.
absl::Status Unbond(pqxx::work& tx, const std::string& account, int64_t amount, absl::Time now,
                    absl::Duration unbonding_period, const std::string& key);

// Moves every lot whose release time is at or before `now` from unbonding to available.
// Returns how many lots it released. Each release is its own post ("unbond_complete/<lot>").
absl::StatusOr<int> MatureUnbonding(pqxx::work& tx, absl::Time now);

// Takes up to `amount` from the account's stake into the treasury: from "staked" first, then
// from "unbonding" (its lots that release soonest first). Returns what was taken, which is less
// than `amount` when the account holds less (0: nothing posted). A replay returns the first
// call's figure.
absl::StatusOr<int64_t> Slash(pqxx::work& tx, const std::string& account, int64_t amount,
                              const std::string& reason, const std::string& key);

// treasury.available -> account.available.
absl::Status Grant(pqxx::work& tx, const std::string& account, int64_t amount,
                   const std::string& reason, const std::string& key);

// from.available -> to.available. INVALID_ARGUMENT when from == to.
absl::Status Transfer(pqxx::work& tx, const std::string& from, const std::string& to,
                      int64_t amount, const std::string& reason, const std::string& key);

// One account's open unbonding lots, soonest first.
struct UnbondingLot {
  int64_t amount = 0;
  absl::Time release_at;
};
std::vector<UnbondingLot> OpenUnbondingLots(pqxx::work& tx, const std::string& account);

}  // namespace datamesh::governance::ledger
