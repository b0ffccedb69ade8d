// What an epoch's close reads: each operator's nodes with the usage recorded for the epoch,
// their audit scores and disqualification, and the operator's age in paid epochs.
//
// Thread-compatible (as the pqxx::work passed in).
#pragma once

#include <cstdint>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

#include "services/governance/epochs/reward_rules.h"

namespace datamesh::governance::epochs {

struct NodeInput {
  std::string node_id;
  double up_seconds = 0;
  Weight byte_seconds = 0;
  int64_t score_ppm = kPpm;  // 1.0 unless governance.node_reputation says otherwise
};

struct OperatorInput {
  std::string operator_id;
  std::string account_id;
  std::vector<NodeInput> nodes;
  int64_t age_epochs = 0;     // epochs it was paid in before this one
  bool disqualified = false;  // any of its nodes is
};

// Admitted operators with at least one node, ordered by id, and their nodes' usage in `epoch`
// (each node's largest figures over the instances that recorded it).
std::vector<OperatorInput> ReadOperatorInputs(pqxx::work& tx, int64_t epoch);

// Operators (any state) with a disqualified node. Empty while governance.node_reputation does
// not exist.
std::set<std::string> DisqualifiedOperators(pqxx::work& tx);

// "123" -> 123; digits only (numeric(38,0) as text).
Weight ParseWeight(const std::string& digits);

}  // namespace datamesh::governance::epochs
