#include "services/governance/audits/operator_reputation.h"

namespace datamesh::governance::audits {

std::optional<double> OperatorReputation(pqxx::work& tx, const std::vector<std::string>& node_ids) {
  if (node_ids.empty()) return std::nullopt;
  std::string list = "{";
  for (size_t i = 0; i < node_ids.size(); ++i) list += (i ? "," : "") + node_ids[i];
  list += "}";
  pqxx::row r = tx.exec_params1(
      "SELECT avg(score) FROM governance.node_reputation WHERE node_id = ANY($1::text[])", list);
  if (r[0].is_null()) return std::nullopt;
  return r[0].as<double>();
}

}  // namespace datamesh::governance::audits
