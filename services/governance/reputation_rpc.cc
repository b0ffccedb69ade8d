// GovernanceServiceImpl::GetNodeReputation: one storage node's audit record and standing
// (audits/node_standing.h).
#include "services/governance/audits/node_standing.h"
#include "services/governance/governance_service.h"
#include "services/governance/rpc_reply.h"
#include "shared/pg/pool.h"
#include "shared/status/status.h"

namespace datamesh::governance {

grpc::Status GovernanceServiceImpl::GetNodeReputation(
    grpc::ServerContext*, const governance::v1::GetNodeReputationRequest* req,
    governance::v1::GetNodeReputationResponse* resp) {
  absl::Status s = pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(*resp->mutable_reputation(),
                     audits::ReadNodeStanding(tx, req->node_id(), deps_.now()));
    return absl::OkStatus();
  });
  return Reply(s, "GetNodeReputation");
}

}  // namespace datamesh::governance
