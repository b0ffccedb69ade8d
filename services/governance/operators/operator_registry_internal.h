// Shared by operator_registry.cc and operator_admission.cc; not part of the contract.
#pragma once

#include <pqxx/pqxx>
#include <string>

#include "absl/status/status.h"
#include "services/governance/operators/operator_registry.h"

namespace datamesh::governance::operators::internal {

// Loads an operator with its nodes and stake; nullopt when `where` (a SQL condition on the
// operators table aliased `o`, with $1 bound to `value`) matches none.
std::optional<OperatorRecord> Load(pqxx::work& tx, const std::string& where,
                                   const std::string& value);

// Moves `op` to `state` and writes the matching event to the outbox (admitted when the new
// state is "admitted", removed otherwise).
void ChangeState(pqxx::work& tx, OperatorRecord& op, const std::string& state,
                 const std::string& mode_or_reason, const std::string& source);

// Announces `op` (admitted) again, e.g. after it claimed a node.
void AnnounceAdmitted(pqxx::work& tx, const OperatorRecord& op, const std::string& mode,
                      const std::string& source);

}  // namespace datamesh::governance::operators::internal
