// GovernanceServiceImpl: the operator RPCs over operators/ (registration with proofs of node
// possession, node claims, listing). Admissions are written to the outbox in the same
// transaction and published right after the commit.
#include "services/governance/audits/operator_reputation.h"
#include "services/governance/governance_service.h"
#include "services/governance/ledger_worker.h"
#include "services/governance/operators/operator_registry.h"
#include "services/governance/rpc_reply.h"
#include "shared/log/log.h"
#include "shared/pg/pool.h"
#include "shared/status/grpc_status.h"
#include "shared/status/status.h"

namespace datamesh::governance {
namespace {

namespace gv1 = governance::v1;

void ToProto(const operators::OperatorRecord& op, gv1::Operator* out) {
  out->set_id(op.id);
  out->set_name(op.name);
  out->set_stake(op.stake > 0 ? static_cast<uint64_t>(op.stake) : 0);
  out->set_reputation(operators::kStartingReputation);
  for (const std::string& n : op.node_ids) out->add_nodes(n);
  out->set_account_id(op.account_id);
  out->set_state(op.state);
}

operators::NodeProof FromProto(const gv1::NodeProof& p) {
  return {p.node_id(), p.public_key(), p.signature()};
}

}  // namespace

grpc::Status GovernanceServiceImpl::GetOperatorChallenge(
    grpc::ServerContext*, const gv1::GetOperatorChallengeRequest* req,
    gv1::GetOperatorChallengeResponse* resp) {
  const absl::Time now = deps_.now();
  return Reply(pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(operators::Challenge c, operators::IssueChallenge(tx, req->account_id(), now));
    resp->set_challenge(c.hex);
    resp->mutable_expires_at()->set_seconds(absl::ToUnixSeconds(c.expires_at));
    return absl::OkStatus();
  }),
               "GetOperatorChallenge");
}

grpc::Status GovernanceServiceImpl::RegisterOperator(grpc::ServerContext*,
                                                     const gv1::RegisterOperatorRequest* req,
                                                     gv1::RegisterOperatorResponse* resp) {
  operators::Registration r{req->account_id(),
                            req->name(),
                            {req->node_ids().begin(), req->node_ids().end()},
                            req->challenge(),
                            {}};
  for (const gv1::NodeProof& p : req->proofs()) r.proofs.push_back(FromProto(p));
  const absl::Time now = deps_.now();
  absl::Status s = pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(operators::AdmissionRules rules, ReadAdmissionRules(tx));
    ASSIGN_OR_RETURN(operators::OperatorRecord op,
                     operators::Register(tx, r, now, rules, deps_.source));
    resp->Clear();
    ToProto(op, resp->mutable_operator_());
    return absl::OkStatus();
  });
  if (!s.ok()) return Reply(s, "RegisterOperator");
  PublishOutbox(pg_, bus_);
  return grpc::Status::OK;
}

grpc::Status GovernanceServiceImpl::ClaimNode(grpc::ServerContext*,
                                              const gv1::ClaimNodeRequest* req,
                                              gv1::ClaimNodeResponse* resp) {
  const absl::Time now = deps_.now();
  absl::Status s = pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(operators::OperatorRecord op,
                     operators::ClaimNode(tx, req->account_id(), req->challenge(),
                                          FromProto(req->proof()), now, deps_.source));
    resp->Clear();
    ToProto(op, resp->mutable_operator_());
    return absl::OkStatus();
  });
  if (!s.ok()) return Reply(s, "ClaimNode");
  PublishOutbox(pg_, bus_);
  return grpc::Status::OK;
}

grpc::Status GovernanceServiceImpl::ListOperators(grpc::ServerContext*,
                                                  const gv1::ListOperatorsRequest* req,
                                                  gv1::ListOperatorsResponse* resp) {
  const int size = req->page().limit() == 0
                       ? 100
                       : static_cast<int>(std::min<uint32_t>(req->page().limit(), 1000));
  return Reply(pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(operators::OperatorPage page,
                     operators::ListOperators(tx, size, req->page().cursor()));
    resp->Clear();
    for (const auto& op : page.operators) {
      gv1::Operator* out = resp->add_operators();
      ToProto(op, out);
      out->set_reputation(
          audits::OperatorReputation(tx, op.node_ids).value_or(operators::kStartingReputation));
    }
    if (page.next_cursor) resp->set_next_cursor(*page.next_cursor);
    return absl::OkStatus();
  }),
               "ListOperators");
}

}  // namespace datamesh::governance
