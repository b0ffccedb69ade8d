#include "services/gateway/grpc/public_governance_service.h"

#include <string>

#include "services/gateway/admin/admin_routes.h"
#include "services/gateway/grpc/caller_binding.h"
#include "services/gateway/grpc/public_call.h"

namespace datamesh::gateway::public_grpc {
namespace {

namespace gv1 = governance::v1;

std::string GovernanceMethod(std::string_view name) {
  return "/datamesh.governance.v1.GovernanceService/" + std::string(name);
}

using Stub = gv1::GovernanceService::StubInterface;
template <typename Req, typename Resp>
using StubRpc = grpc::Status (Stub::*)(grpc::ClientContext*, const Req&, Resp*);

// Admits the call, binds the request's identity fields to the caller (requests without any,
// such as GetProposal, go as sent) and makes the call to the governance service.
template <typename Req, typename Resp>
grpc::Status Forward(const ApiContext& ctx, GovernanceClient& client, grpc::ServerContext& server,
                     std::string_view name, const Req& req, Resp* resp, StubRpc<Req, Resp> rpc) {
  return ServeUnary(ctx, server, GovernanceMethod(name),
                    [&](const PublicCall& call, grpc::ClientContext& c) {
                      Req bound = req;
                      if constexpr (requires { BindToCaller(call.caller, bound); }) {
                        BindToCaller(call.caller, bound);
                      }
                      return (client.stub().*rpc)(&c, bound, resp);
                    });
}

}  // namespace

grpc::Status PublicGovernanceService::CreateProposal(grpc::ServerContext* server,
                                                     const gv1::CreateProposalRequest* req,
                                                     gv1::CreateProposalResponse* resp) {
  return Forward(ctx_, client_, *server, "CreateProposal", *req, resp, &Stub::CreateProposal);
}

grpc::Status PublicGovernanceService::GetProposal(grpc::ServerContext* server,
                                                  const gv1::GetProposalRequest* req,
                                                  gv1::GetProposalResponse* resp) {
  return Forward(ctx_, client_, *server, "GetProposal", *req, resp, &Stub::GetProposal);
}

grpc::Status PublicGovernanceService::ListProposals(grpc::ServerContext* server,
                                                    const gv1::ListProposalsRequest* req,
                                                    gv1::ListProposalsResponse* resp) {
  return Forward(ctx_, client_, *server, "ListProposals", *req, resp, &Stub::ListProposals);
}

grpc::Status PublicGovernanceService::CastVote(grpc::ServerContext* server,
                                               const gv1::CastVoteRequest* req,
                                               gv1::CastVoteResponse* resp) {
  return Forward(ctx_, client_, *server, "CastVote", *req, resp, &Stub::CastVote);
}

grpc::Status PublicGovernanceService::ListOperators(grpc::ServerContext* server,
                                                    const gv1::ListOperatorsRequest* req,
                                                    gv1::ListOperatorsResponse* resp) {
  return Forward(ctx_, client_, *server, "ListOperators", *req, resp, &Stub::ListOperators);
}

grpc::Status PublicGovernanceService::RegisterOperator(grpc::ServerContext* server,
                                                       const gv1::RegisterOperatorRequest* req,
                                                       gv1::RegisterOperatorResponse* resp) {
  return Forward(ctx_, client_, *server, "RegisterOperator", *req, resp, &Stub::RegisterOperator);
}

grpc::Status PublicGovernanceService::Stake(grpc::ServerContext* server,
                                            const gv1::StakeRequest* req,
                                            gv1::StakeResponse* resp) {
  return Forward(ctx_, client_, *server, "Stake", *req, resp, &Stub::Stake);
}

grpc::Status PublicGovernanceService::Unstake(grpc::ServerContext* server,
                                              const gv1::UnstakeRequest* req,
                                              gv1::UnstakeResponse* resp) {
  return Forward(ctx_, client_, *server, "Unstake", *req, resp, &Stub::Unstake);
}

grpc::Status PublicGovernanceService::GetBalance(grpc::ServerContext* server,
                                                 const gv1::GetBalanceRequest* req,
                                                 gv1::GetBalanceResponse* resp) {
  return Forward(ctx_, client_, *server, "GetBalance", *req, resp, &Stub::GetBalance);
}

grpc::Status PublicGovernanceService::ListLedgerEntries(grpc::ServerContext* server,
                                                        const gv1::ListLedgerEntriesRequest* req,
                                                        gv1::ListLedgerEntriesResponse* resp) {
  return Forward(ctx_, client_, *server, "ListLedgerEntries", *req, resp, &Stub::ListLedgerEntries);
}

grpc::Status PublicGovernanceService::GetNodeReputation(
    grpc::ServerContext* server, const gv1::GetNodeReputationRequest* req,
    gv1::GetNodeReputationResponse* resp) {
  return Forward(ctx_, client_, *server, "GetNodeReputation", *req, resp, &Stub::GetNodeReputation);
}

grpc::Status PublicGovernanceService::ListParameters(grpc::ServerContext* server,
                                                     const gv1::ListParametersRequest* req,
                                                     gv1::ListParametersResponse* resp) {
  return Forward(ctx_, client_, *server, "ListParameters", *req, resp, &Stub::ListParameters);
}

grpc::Status PublicGovernanceService::Transfer(grpc::ServerContext* server,
                                               const gv1::TransferRequest* req,
                                               gv1::TransferResponse* resp) {
  return Forward(ctx_, client_, *server, "Transfer", *req, resp, &Stub::Transfer);
}

grpc::Status PublicGovernanceService::ExportStatement(grpc::ServerContext* server,
                                                      const gv1::ExportStatementRequest* req,
                                                      gv1::ExportStatementResponse* resp) {
  return Forward(ctx_, client_, *server, "ExportStatement", *req, resp, &Stub::ExportStatement);
}

grpc::Status PublicGovernanceService::GetOperatorChallenge(
    grpc::ServerContext* server, const gv1::GetOperatorChallengeRequest* req,
    gv1::GetOperatorChallengeResponse* resp) {
  return Forward(ctx_, client_, *server, "GetOperatorChallenge", *req, resp,
                 &Stub::GetOperatorChallenge);
}

grpc::Status PublicGovernanceService::ClaimNode(grpc::ServerContext* server,
                                                const gv1::ClaimNodeRequest* req,
                                                gv1::ClaimNodeResponse* resp) {
  return Forward(ctx_, client_, *server, "ClaimNode", *req, resp, &Stub::ClaimNode);
}

// Audited as REST POST /governance/ledger/verify is: a check that finds violations is a failure.
grpc::Status PublicGovernanceService::VerifyLedger(grpc::ServerContext* server,
                                                   const gv1::VerifyLedgerRequest* req,
                                                   gv1::VerifyLedgerResponse* resp) {
  return Serve(ctx_, *server, GovernanceMethod("VerifyLedger"), [&](const PublicCall& call) {
    gv1::VerifyLedgerRequest bound = *req;
    BindToCaller(call.caller, bound);
    grpc::ClientContext context;
    PrepareContext(context, call.origin, ctx_.rpc_timeout);
    grpc::Status rpc = client_.stub().VerifyLedger(&context, bound, resp);
    if (rpc.error_code() != grpc::StatusCode::UNIMPLEMENTED) {
      AuditAdminAction(ctx_, call.caller, call.origin, call.source_ip, "admin.governance.verify",
                       "ledger", rpc.ok() && resp->ok() ? "success" : "failure");
    }
    return rpc.ok() ? absl::OkStatus() : StatusFromRpc(rpc, context);
  });
}

// Audited as REST POST /governance/grants is.
grpc::Status PublicGovernanceService::Grant(grpc::ServerContext* server,
                                            const gv1::GrantRequest* req,
                                            gv1::GrantResponse* resp) {
  return Serve(ctx_, *server, GovernanceMethod("Grant"), [&](const PublicCall& call) {
    gv1::GrantRequest bound = *req;
    BindToCaller(call.caller, bound);
    grpc::ClientContext context;
    PrepareContext(context, call.origin, ctx_.rpc_timeout);
    grpc::Status rpc = client_.stub().Grant(&context, bound, resp);
    if (rpc.error_code() != grpc::StatusCode::UNIMPLEMENTED) {
      AuditAdminAction(ctx_, call.caller, call.origin, call.source_ip, "admin.governance.grant",
                       bound.account_id(), rpc.ok() ? "success" : "failure");
    }
    return rpc.ok() ? absl::OkStatus() : StatusFromRpc(rpc, context);
  });
}

}  // namespace datamesh::gateway::public_grpc
