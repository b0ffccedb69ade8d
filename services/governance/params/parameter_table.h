// Reads and writes of governance.parameters beyond the typed reads of parameters.h: the listing
// for ListParameters and the write an executed parameter change makes.
//
// All calls take the caller's transaction. Thread-compatible (as pqxx::work).
#pragma once

#include <cstdint>
#include <pqxx/pqxx>
#include <string>
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

// A real parameter in parts per billion, rounded to the nearest (0.334 -> 334,000,000), so
// thresholds compare as integers (proposals/tally.h).
absl::StatusOr<int64_t> PpbParam(pqxx::work& tx, const std::string& key);

}  // namespace datamesh::governance::params
