// Reputation as the operator listing shows it: the mean audit score of the operator's audited
// nodes (governance.node_reputation), or nullopt when none of them was audited yet.
//
// Thread safety: as the pqxx::work passed in.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace datamesh::governance::audits {

std::optional<double> OperatorReputation(pqxx::work& tx, const std::vector<std::string>& node_ids);

}  // namespace datamesh::governance::audits
