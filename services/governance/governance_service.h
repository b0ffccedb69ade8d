// The gRPC adapter of the governance service: GovernanceService on top of the service's domain
// code (ledger/, operators/, params/, proposals/).
//
// RPCs that are not built yet are not overridden: the generated base class answers them with
// UNIMPLEMENTED, so no caller is ever told a made-up success.
//
// Thread-safe: gRPC calls handlers concurrently.
#pragma once

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "absl/status/statusor.h"
#include "datamesh/events/v1/event.pb.h"
#include "datamesh/governance/v1/governance.grpc.pb.h"
#include "services/governance/billing/billing_month.h"
#include "services/governance/proposals/stored_usage.h"

namespace datamesh::bus {
class Bus;
}
namespace datamesh::pg {
class Pool;
}

namespace datamesh::governance {
namespace proposals {
struct ProposalRecord;
}

struct GovernanceDeps {
  std::string source;  // event source, "governance/<instance>"
  std::function<absl::Time()> now = [] { return absl::Now(); };
  // quota's billing records of a month (billing/billing_month.h); empty: CloseBillingMonth
  // answers FAILED_PRECONDITION.
  billing::BillingRecordSource billing_records;
  // What file-ingest stores by erasure shape, for erasure proposals' impact; empty: the bytes
  // to re-encode are shown as not known.
  proposals::StoredUsageSource stored_usage;
};

class GovernanceServiceImpl final : public governance::v1::GovernanceService::Service {
 public:
  GovernanceServiceImpl(pg::Pool& pg, bus::Bus* bus, GovernanceDeps deps)
      : pg_(pg), bus_(bus), deps_(std::move(deps)) {}

  // --- Ledger, stake and operators (ledger_rpc.cc, operator_rpc.cc) ---
  grpc::Status Stake(grpc::ServerContext* ctx, const governance::v1::StakeRequest* req,
                     governance::v1::StakeResponse* resp) override;
  grpc::Status Unstake(grpc::ServerContext* ctx, const governance::v1::UnstakeRequest* req,
                       governance::v1::UnstakeResponse* resp) override;
  grpc::Status GetBalance(grpc::ServerContext* ctx, const governance::v1::GetBalanceRequest* req,
                          governance::v1::GetBalanceResponse* resp) override;
  grpc::Status ListLedgerEntries(grpc::ServerContext* ctx,
                                 const governance::v1::ListLedgerEntriesRequest* req,
                                 governance::v1::ListLedgerEntriesResponse* resp) override;
  grpc::Status Grant(grpc::ServerContext* ctx, const governance::v1::GrantRequest* req,
                     governance::v1::GrantResponse* resp) override;
  grpc::Status Transfer(grpc::ServerContext* ctx, const governance::v1::TransferRequest* req,
                        governance::v1::TransferResponse* resp) override;
  grpc::Status ExportStatement(grpc::ServerContext* ctx,
                               const governance::v1::ExportStatementRequest* req,
                               governance::v1::ExportStatementResponse* resp) override;
  grpc::Status VerifyLedger(grpc::ServerContext* ctx,
                            const governance::v1::VerifyLedgerRequest* req,
                            governance::v1::VerifyLedgerResponse* resp) override;
  grpc::Status GetOperatorChallenge(grpc::ServerContext* ctx,
                                    const governance::v1::GetOperatorChallengeRequest* req,
                                    governance::v1::GetOperatorChallengeResponse* resp) override;
  grpc::Status RegisterOperator(grpc::ServerContext* ctx,
                                const governance::v1::RegisterOperatorRequest* req,
                                governance::v1::RegisterOperatorResponse* resp) override;
  grpc::Status ClaimNode(grpc::ServerContext* ctx, const governance::v1::ClaimNodeRequest* req,
                         governance::v1::ClaimNodeResponse* resp) override;
  grpc::Status ListOperators(grpc::ServerContext* ctx,
                             const governance::v1::ListOperatorsRequest* req,
                             governance::v1::ListOperatorsResponse* resp) override;

  // --- Proposals, votes and parameters (proposal_rpc.cc) ---
  grpc::Status CreateProposal(grpc::ServerContext* ctx,
                              const governance::v1::CreateProposalRequest* req,
                              governance::v1::CreateProposalResponse* resp) override;
  grpc::Status GetProposal(grpc::ServerContext* ctx, const governance::v1::GetProposalRequest* req,
                           governance::v1::GetProposalResponse* resp) override;
  grpc::Status ListProposals(grpc::ServerContext* ctx,
                             const governance::v1::ListProposalsRequest* req,
                             governance::v1::ListProposalsResponse* resp) override;
  grpc::Status CastVote(grpc::ServerContext* ctx, const governance::v1::CastVoteRequest* req,
                        governance::v1::CastVoteResponse* resp) override;
  grpc::Status ListParameters(grpc::ServerContext* ctx,
                              const governance::v1::ListParametersRequest* req,
                              governance::v1::ListParametersResponse* resp) override;

  // --- Epochs and invoices (billing_rpc.cc) ---
  grpc::Status ListEpochs(grpc::ServerContext* ctx, const governance::v1::ListEpochsRequest* req,
                          governance::v1::ListEpochsResponse* resp) override;
  grpc::Status ListPaystubs(grpc::ServerContext* ctx,
                            const governance::v1::ListPaystubsRequest* req,
                            governance::v1::ListPaystubsResponse* resp) override;
  grpc::Status ListInvoices(grpc::ServerContext* ctx,
                            const governance::v1::ListInvoicesRequest* req,
                            governance::v1::ListInvoicesResponse* resp) override;
  grpc::Status GetInvoice(grpc::ServerContext* ctx, const governance::v1::GetInvoiceRequest* req,
                          governance::v1::GetInvoiceResponse* resp) override;
  grpc::Status PayInvoice(grpc::ServerContext* ctx, const governance::v1::PayInvoiceRequest* req,
                          governance::v1::PayInvoiceResponse* resp) override;
  grpc::Status CloseBillingMonth(grpc::ServerContext* ctx,
                                 const governance::v1::CloseBillingMonthRequest* req,
                                 governance::v1::CloseBillingMonthResponse* resp) override;
  // reputation_rpc.cc
  grpc::Status GetNodeReputation(grpc::ServerContext* ctx,
                                 const governance::v1::GetNodeReputationRequest* req,
                                 governance::v1::GetNodeReputationResponse* resp) override;
  // admission_rpc.cc
  grpc::Status ListAdmissions(grpc::ServerContext* ctx,
                              const governance::v1::ListAdmissionsRequest* req,
                              governance::v1::ListAdmissionsResponse* resp) override;
  grpc::Status ReleaseNodeKey(grpc::ServerContext* ctx,
                              const governance::v1::ReleaseNodeKeyRequest* req,
                              governance::v1::ReleaseNodeKeyResponse* resp) override;

 private:
  // Proposals' helpers (proposal_rpc.cc).
  // A proposal as the API shows it, with its impact (reads the erasure code in force).
  absl::StatusOr<governance::v1::Proposal> ProposalToApi(const proposals::ProposalRecord& p);
  // Publishes a core-NATS event after its commit; a lost one is logged, not retried.
  void PublishAfterCommit(const events::v1::Event& event);

 private:
  pg::Pool& pg_;
  bus::Bus* bus_;  // null in unit tests that publish nothing
  GovernanceDeps deps_;
};

}  // namespace datamesh::governance
