// The /api/v1/governance routes of docs/API.md over GovernanceService. Every route needs a
// token; the caller's identity always comes from it (governance_convert.h):
//
//   GET  /governance/proposals                  ?state=&limit=&cursor= -> ListProposals
//   POST /governance/proposals                  CreateProposal (201)
//   GET  /governance/proposals/{id}             GetProposal
//   PUT  /governance/proposals/{id}/vote        CastVote (409 when voting is closed)
//   GET  /governance/operators                  ?limit=&cursor= -> ListOperators
//   POST /governance/operators                  RegisterOperator (201)
//   POST /governance/operators/challenge        GetOperatorChallenge
//   POST /governance/operators/me/nodes         ClaimNode
//   GET  /governance/parameters                 ?prefix= -> ListParameters
//   GET  /governance/nodes/{id}/reputation      GetNodeReputation
//   GET  /governance/accounts/me                GetBalance of the caller
//   GET  /governance/accounts/me/entries        ?limit=&cursor= -> ListLedgerEntries
//   GET  /governance/accounts/me/statement      ?format=json|csv -> ExportStatement
//   POST /governance/stake/bond | /unbond       Stake | Unstake
//   POST /governance/transfers                  Transfer
//   GET  /governance/accounts/{id}              GetBalance of any account (admin)
//   POST /governance/grants                     Grant (admin, audited)
//   POST /governance/ledger/verify              VerifyLedger (admin, audited)
//
// A governance FAILED_PRECONDITION (a rule refused the action: closed proposal, balance too
// low) is 409 here, as common.proto's conventions say; other codes map as everywhere else.
//
// Thread safety: handlers run concurrently; the client is thread-safe.
#pragma once

#include <memory>
#include <string>

#include "datamesh/governance/v1/governance.grpc.pb.h"
#include "services/gateway/http/router.h"
#include "services/gateway/routes/api_context.h"

namespace datamesh::gateway {

// The channel and stub to the governance service. Connects lazily; creating it never fails.
class GovernanceClient {
 public:
  explicit GovernanceClient(const std::string& address);
  governance::v1::GovernanceService::StubInterface& stub() { return *stub_; }

 private:
  std::unique_ptr<governance::v1::GovernanceService::StubInterface> stub_;
};

// `ctx` and `client` must outlive the router.
void AddGovernanceRoutes(http::Router& router, const ApiContext& ctx, GovernanceClient& client);

// The account, stake, transfer and admin routes (governance_account_routes.cc); called by
// AddGovernanceRoutes.
void AddGovernanceAccountRoutes(http::Router& router, const ApiContext& ctx,
                                GovernanceClient& client);

// Invoices, epochs and paystubs (governance_billing_routes.cc); called by AddGovernanceRoutes.
void AddGovernanceBillingRoutes(http::Router& router, const ApiContext& ctx,
                                GovernanceClient& client);

}  // namespace datamesh::gateway
