// datamesh.governance.v1.GovernanceService on the gateway's public gRPC endpoint, proxied to the
// governance service with the REST routes' rules: every field naming the acting account
// (proposer, voter, operator and staking account, grant actor) is the caller's whatever the
// client sent (caller_binding.h); a balance or statement of another account is for admins only;
// Grant and VerifyLedger need role admin and are audited as their REST routes are. RPCs not listed
// in rpc_exposure.cc answer UNIMPLEMENTED.
//
// Thread-safe: gRPC calls handlers concurrently; `ctx` and `client` must outlive the service.
#pragma once

#include "datamesh/governance/v1/governance.grpc.pb.h"
#include "services/gateway/routes/api_context.h"
#include "services/gateway/routes/governance_routes.h"

namespace datamesh::gateway::public_grpc {

class PublicGovernanceService final : public governance::v1::GovernanceService::Service {
 public:
  PublicGovernanceService(const ApiContext& ctx, GovernanceClient& client)
      : ctx_(ctx), client_(client) {}

  grpc::Status CreateProposal(grpc::ServerContext* server,
                              const governance::v1::CreateProposalRequest* req,
                              governance::v1::CreateProposalResponse* resp) override;
  grpc::Status GetProposal(grpc::ServerContext* server,
                           const governance::v1::GetProposalRequest* req,
                           governance::v1::GetProposalResponse* resp) override;
  grpc::Status ListProposals(grpc::ServerContext* server,
                             const governance::v1::ListProposalsRequest* req,
                             governance::v1::ListProposalsResponse* resp) override;
  grpc::Status CastVote(grpc::ServerContext* server, const governance::v1::CastVoteRequest* req,
                        governance::v1::CastVoteResponse* resp) override;
  grpc::Status ListOperators(grpc::ServerContext* server,
                             const governance::v1::ListOperatorsRequest* req,
                             governance::v1::ListOperatorsResponse* resp) override;
  grpc::Status RegisterOperator(grpc::ServerContext* server,
                                const governance::v1::RegisterOperatorRequest* req,
                                governance::v1::RegisterOperatorResponse* resp) override;
  grpc::Status Stake(grpc::ServerContext* server, const governance::v1::StakeRequest* req,
                     governance::v1::StakeResponse* resp) override;
  grpc::Status Unstake(grpc::ServerContext* server, const governance::v1::UnstakeRequest* req,
                       governance::v1::UnstakeResponse* resp) override;
  grpc::Status GetBalance(grpc::ServerContext* server, const governance::v1::GetBalanceRequest* req,
                          governance::v1::GetBalanceResponse* resp) override;
  grpc::Status ListLedgerEntries(grpc::ServerContext* server,
                                 const governance::v1::ListLedgerEntriesRequest* req,
                                 governance::v1::ListLedgerEntriesResponse* resp) override;
  grpc::Status Grant(grpc::ServerContext* server, const governance::v1::GrantRequest* req,
                     governance::v1::GrantResponse* resp) override;
  grpc::Status GetNodeReputation(grpc::ServerContext* server,
                                 const governance::v1::GetNodeReputationRequest* req,
                                 governance::v1::GetNodeReputationResponse* resp) override;
  grpc::Status ListParameters(grpc::ServerContext* server,
                              const governance::v1::ListParametersRequest* req,
                              governance::v1::ListParametersResponse* resp) override;
  grpc::Status Transfer(grpc::ServerContext* server, const governance::v1::TransferRequest* req,
                        governance::v1::TransferResponse* resp) override;
  grpc::Status ExportStatement(grpc::ServerContext* server,
                               const governance::v1::ExportStatementRequest* req,
                               governance::v1::ExportStatementResponse* resp) override;
  grpc::Status VerifyLedger(grpc::ServerContext* server,
                            const governance::v1::VerifyLedgerRequest* req,
                            governance::v1::VerifyLedgerResponse* resp) override;
  grpc::Status GetOperatorChallenge(grpc::ServerContext* server,
                                    const governance::v1::GetOperatorChallengeRequest* req,
                                    governance::v1::GetOperatorChallengeResponse* resp) override;
  grpc::Status ClaimNode(grpc::ServerContext* server, const governance::v1::ClaimNodeRequest* req,
                         governance::v1::ClaimNodeResponse* resp) override;
  // Invoices, epochs and paystubs (public_governance_billing.cc).
  grpc::Status ListEpochs(grpc::ServerContext* server, const governance::v1::ListEpochsRequest* req,
                          governance::v1::ListEpochsResponse* resp) override;
  grpc::Status ListPaystubs(grpc::ServerContext* server,
                            const governance::v1::ListPaystubsRequest* req,
                            governance::v1::ListPaystubsResponse* resp) override;
  grpc::Status ListInvoices(grpc::ServerContext* server,
                            const governance::v1::ListInvoicesRequest* req,
                            governance::v1::ListInvoicesResponse* resp) override;
  grpc::Status GetInvoice(grpc::ServerContext* server, const governance::v1::GetInvoiceRequest* req,
                          governance::v1::GetInvoiceResponse* resp) override;
  grpc::Status PayInvoice(grpc::ServerContext* server, const governance::v1::PayInvoiceRequest* req,
                          governance::v1::PayInvoiceResponse* resp) override;
  grpc::Status CloseBillingMonth(grpc::ServerContext* server,
                                 const governance::v1::CloseBillingMonthRequest* req,
                                 governance::v1::CloseBillingMonthResponse* resp) override;

 private:
  const ApiContext& ctx_;
  GovernanceClient& client_;
};

}  // namespace datamesh::gateway::public_grpc
