// The typed registry of governable parameters and their current values (table
// `governance.parameters`). Each parameter has one owner: governance itself (voting rules,
// stake, rewards, audits, epochs, admission) or another service (quota's tier limits and
// prices, file-ingest's erasure code), which applies an executed change from
// governance.proposal.executed and answers with governance.change.applied.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace datamesh::governance::params {

// Reads a governance-owned integer parameter's current value (seeded defaults until a
// proposal changes it), e.g. IntParam(tx, "stake.minimumOperator").
absl::StatusOr<int64_t> IntParam(pqxx::work& tx, const std::string& key);

// Reads a governance-owned real parameter, e.g. RealParam(tx, "voting.quorum").
absl::StatusOr<double> RealParam(pqxx::work& tx, const std::string& key);

// Reads a governance-owned string parameter, e.g. StringParam(tx, "admission.mode").
absl::StatusOr<std::string> StringParam(pqxx::work& tx, const std::string& key);

}  // namespace datamesh::governance::params
