// Reads and writes of governance.parameters beyond the typed reads of parameters.h: the listing
// for ListParameters, the write an executed parameter change makes, and its undoing when the
// owning service refuses it.
//
// All calls take the caller's transaction. Thread-compatible (as pqxx::work).
#pragma once

#include <cstdint>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace datamesh::governance::params {

struct ParameterRow {
  std::string key;
  std::string value_json;  // as stored: a JSON number, string or null
  std::string last_proposal_id;
};

// Rows whose key starts with `prefix` (all when empty), ordered by key.
std::vector<ParameterRow> ListParameterRows(pqxx::work& tx, const std::string& prefix);

// Sets `key` to `value_json` (already validated by ValidateValue), recording the proposal.
void SetParameter(pqxx::work& tx, const std::string& key, const std::string& value_json,
                  const std::string& proposal_id);

// An owning service refused proposal `proposal_id`'s change: every key owned by `owner` that
// still holds the proposal's value goes back to the value it held before (a key the proposal
// created is removed), and is marked reverted by the proposal. Returns those keys.
std::vector<std::string> RevertParameters(pqxx::work& tx, const std::string& proposal_id,
                                          const std::string& owner);

// The owner applied proposal `proposal_id`'s change after all (a late answer after a refusal):
// each of `values` (key -> JSON, the proposal's validated change) owned by `owner` that the
// proposal's refusal reverted, and that no later change has set since, takes the proposal's
// value again. Returns those keys.
std::vector<std::string> RestoreParameters(
    pqxx::work& tx, const std::string& proposal_id, const std::string& owner,
    const std::vector<std::pair<std::string, std::string>>& values);

// A real parameter in parts per billion, rounded to the nearest (0.334 -> 334,000,000), so
// thresholds compare as integers (proposals/tally.h).
absl::StatusOr<int64_t> PpbParam(pqxx::work& tx, const std::string& key);

}  // namespace datamesh::governance::params
