// One storage node's standing as GetNodeReputation shows it: its audit record and beta
// reputation (governance.node_reputation), the vetting and disqualification rules' parameters,
// its operator (governance.operator_nodes) and its uptime windows (uptime_windows.h).
//
// Thread safety: as the pqxx::work passed in.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "datamesh/governance/v1/governance.pb.h"
#include "shared/pg/pool.h"

namespace datamesh::governance::audits {

// INVALID_ARGUMENT: not 64 lowercase hex. NOT_FOUND: no audit result, heartbeat window or
// operator claim names the node.
absl::StatusOr<governance::v1::NodeReputation> ReadNodeStanding(pqxx::work& tx,
                                                                const std::string& node_id,
                                                                absl::Time now);

}  // namespace datamesh::governance::audits
