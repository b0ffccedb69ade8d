// GovernanceServiceImpl: the admission listing dht re-syncs from (operators/admission_listing.h)
// and the admin release of a node's key binding (operators/node_key_release.h).
#include "services/governance/governance_service.h"
#include "services/governance/ledger_worker.h"
#include "services/governance/operators/admission_listing.h"
#include "services/governance/operators/node_key_release.h"
#include "services/governance/rpc_reply.h"
#include "shared/pg/pool.h"
#include "shared/status/status.h"

namespace datamesh::governance {
namespace {

namespace gv1 = governance::v1;

void ToProto(const operators::AdmissionPage& page, gv1::ListAdmissionsResponse* out) {
  out->Clear();
  for (const operators::OperatorAdmissionRow& row : page.operators) {
    gv1::OperatorAdmission* op = out->add_operators();
    op->set_operator_id(row.operator_id);
    op->set_admitted(row.admitted);
    for (const operators::ListedNode& n : row.nodes) {
      gv1::AdmittedNode* node = op->add_nodes();
      node->set_node_id(n.node_id);
      node->set_vetted(n.vetted);
      node->set_disqualified(n.disqualified);
    }
  }
  if (page.next_cursor) out->set_next_cursor(*page.next_cursor);
  const int64_t micros = absl::ToUnixMicros(page.read_at);
  out->mutable_read_at()->set_seconds(micros / 1'000'000);
  out->mutable_read_at()->set_nanos(static_cast<int32_t>(micros % 1'000'000) * 1000);
}

}  // namespace

grpc::Status GovernanceServiceImpl::ListAdmissions(grpc::ServerContext*,
                                                   const gv1::ListAdmissionsRequest* req,
                                                   gv1::ListAdmissionsResponse* resp) {
  const int size = req->page().limit() == 0 ? 100 : static_cast<int>(req->page().limit());
  const absl::Time now = deps_.now();  // before the reads: see admission_listing.h
  return Reply(pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(operators::AdmissionPage page,
                     operators::ListAdmissions(tx, size, req->page().cursor(), now));
    ToProto(page, resp);
    return absl::OkStatus();
  }),
               "ListAdmissions");
}

grpc::Status GovernanceServiceImpl::ReleaseNodeKey(grpc::ServerContext*,
                                                   const gv1::ReleaseNodeKeyRequest* req,
                                                   gv1::ReleaseNodeKeyResponse* resp) {
  if (!req->actor_is_admin()) {
    return Reply(absl::PermissionDeniedError("releasing a node's key binding is for admins"),
                 "ReleaseNodeKey");
  }
  const operators::KeyRelease release{req->node_id(), req->actor_id(), req->reason()};
  const absl::Time now = deps_.now();
  absl::Status s = pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::string key, operators::ReleaseNodeKey(tx, release, now, deps_.source));
    resp->set_released_public_key(key);
    return absl::OkStatus();
  });
  if (!s.ok()) return Reply(s, "ReleaseNodeKey");
  PublishOutbox(pg_, bus_);
  return grpc::Status::OK;
}

}  // namespace datamesh::governance
