// Helpers shared by the ledger's .cc files; not part of its contract.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <utility>

namespace datamesh::governance::ledger::internal {

using BalanceKey = std::pair<std::string, std::string>;  // (account, bucket)

// Locks the existing balance rows among `keys` in (account, bucket) order, the one order every
// ledger writer locks in, and returns their amounts (absent rows are absent). With
// `idempotency_key`, also sets `*posted` to the id of a transaction posted with it, as seen
// when the statement started (only when at least one row exists).
std::map<BalanceKey, int64_t> LockBalances(pqxx::work& tx,
                                           const std::map<BalanceKey, int64_t>& keys,
                                           const std::string* idempotency_key = nullptr,
                                           std::optional<std::string>* posted = nullptr);

// The id of the transaction posted with `key`, if any.
std::optional<std::string> TransactionWithKey(pqxx::work& tx, const std::string& key);

}  // namespace datamesh::governance::ledger::internal
