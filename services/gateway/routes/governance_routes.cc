// Proposals, votes, operators and parameters: the public half of /api/v1/governance (the
// accounts half is governance_account_routes.cc).
#include "services/gateway/routes/governance_routes.h"

#include "services/gateway/routes/governance_convert.h"

namespace datamesh::gateway {
namespace {

namespace gv1 = governance::v1;
using http::BodyReader;
using http::Request;
using http::ResponseWriter;
using Stub = gv1::GovernanceService::StubInterface;

void ListProposals(const ApiContext& ctx, GovernanceClient& client, const Caller&, const Request& r,
                   BodyReader&, ResponseWriter& w) {
  gv1::ListProposalsRequest req;
  if (absl::Status s = ParsePage(r, req.mutable_page()); !s.ok()) return WriteApiError(w, s);
  req.set_state(std::string(r.query_param("state").value_or("")));
  ForwardGovernance(ctx, client, r, w, req, &Stub::ListProposals);
}

void CreateProposal(const ApiContext& ctx, GovernanceClient& client, const Caller& caller,
                    const Request& r, BodyReader& body, ResponseWriter& w) {
  gv1::CreateProposalRequest req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, &req); !s.ok()) return WriteApiError(w, s);
  if (absl::Status s = BindAccount(caller, "proposerId", req.mutable_proposer_id()); !s.ok()) {
    return WriteApiError(w, s);
  }
  ForwardGovernance(ctx, client, r, w, req, &Stub::CreateProposal, 201);
}

void GetProposal(const ApiContext& ctx, GovernanceClient& client, const Caller&, const Request& r,
                 BodyReader&, ResponseWriter& w) {
  gv1::GetProposalRequest req;
  req.set_proposal_id(PathId(r));
  ForwardGovernance(ctx, client, r, w, req, &Stub::GetProposal);
}

// The body is {"choice"}; the proposal is the path's and the voter the caller.
void Vote(const ApiContext& ctx, GovernanceClient& client, const Caller& caller, const Request& r,
          BodyReader& body, ResponseWriter& w) {
  gv1::CastVoteRequest req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, &req); !s.ok()) return WriteApiError(w, s);
  if (!req.proposal_id().empty() && req.proposal_id() != PathId(r)) {
    return WriteApiError(
        w, absl::InvalidArgumentError("\"proposalId\" differs from the proposal in the path"));
  }
  req.set_proposal_id(PathId(r));
  if (absl::Status s = BindAccount(caller, "voterId", req.mutable_voter_id()); !s.ok()) {
    return WriteApiError(w, s);
  }
  ForwardGovernance(ctx, client, r, w, req, &Stub::CastVote);
}

void ListOperators(const ApiContext& ctx, GovernanceClient& client, const Caller&, const Request& r,
                   BodyReader&, ResponseWriter& w) {
  gv1::ListOperatorsRequest req;
  if (absl::Status s = ParsePage(r, req.mutable_page()); !s.ok()) return WriteApiError(w, s);
  ForwardGovernance(ctx, client, r, w, req, &Stub::ListOperators);
}

// The body is {"name", "nodeIds", "challenge", "proofs"}; the operator's account is the caller.
void RegisterOperator(const ApiContext& ctx, GovernanceClient& client, const Caller& caller,
                      const Request& r, BodyReader& body, ResponseWriter& w) {
  gv1::RegisterOperatorRequest req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, &req); !s.ok()) return WriteApiError(w, s);
  if (absl::Status s = BindAccount(caller, "accountId", req.mutable_account_id()); !s.ok()) {
    return WriteApiError(w, s);
  }
  ForwardGovernance(ctx, client, r, w, req, &Stub::RegisterOperator, 201);
}

// A single-use challenge for the caller's proofs of node possession (10 minutes).
void OperatorChallenge(const ApiContext& ctx, GovernanceClient& client, const Caller& caller,
                       const Request& r, BodyReader&, ResponseWriter& w) {
  gv1::GetOperatorChallengeRequest req;
  req.set_account_id(caller.user_id);
  ForwardGovernance(ctx, client, r, w, req, &Stub::GetOperatorChallenge);
}

// {"challenge", "proof": {"nodeId", "publicKey", "signature"}}: one more node for the caller's
// operator.
void ClaimNode(const ApiContext& ctx, GovernanceClient& client, const Caller& caller,
               const Request& r, BodyReader& body, ResponseWriter& w) {
  gv1::ClaimNodeRequest req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, &req); !s.ok()) return WriteApiError(w, s);
  if (absl::Status s = BindAccount(caller, "accountId", req.mutable_account_id()); !s.ok()) {
    return WriteApiError(w, s);
  }
  ForwardGovernance(ctx, client, r, w, req, &Stub::ClaimNode);
}

// Every governable parameter with its current value, optionally under a key prefix.
void ListParameters(const ApiContext& ctx, GovernanceClient& client, const Caller&,
                    const Request& r, BodyReader&, ResponseWriter& w) {
  gv1::ListParametersRequest req;
  req.set_prefix(std::string(r.query_param("prefix").value_or("")));
  ForwardGovernance(ctx, client, r, w, req, &Stub::ListParameters);
}

// A storage node's audit record, reputation score, vetting, disqualification and uptime.
// Public to every signed-in caller, like the operator listing its score comes from.
void NodeReputation(const ApiContext& ctx, GovernanceClient& client, const Caller&,
                    const Request& r, BodyReader&, ResponseWriter& w) {
  gv1::GetNodeReputationRequest req;
  req.set_node_id(PathId(r));
  ForwardGovernance(ctx, client, r, w, req, &Stub::GetNodeReputation);
}

}  // namespace

GovernanceClient::GovernanceClient(const std::string& address)
    : stub_(governance::v1::GovernanceService::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {}

void AddGovernanceRoutes(http::Router& router, const ApiContext& ctx, GovernanceClient& client) {
  const http::RouteOptions json{.body_limit = ctx.json.max_bytes};
  router.Handle("GET", "/api/v1/governance/proposals", GovernanceRoute(ctx, client, ListProposals));
  router.Handle("POST", "/api/v1/governance/proposals",
                GovernanceRoute(ctx, client, CreateProposal), json);
  router.Handle("GET", "/api/v1/governance/proposals/{id}",
                GovernanceRoute(ctx, client, GetProposal));
  router.Handle("PUT", "/api/v1/governance/proposals/{id}/vote", GovernanceRoute(ctx, client, Vote),
                json);
  router.Handle("GET", "/api/v1/governance/operators", GovernanceRoute(ctx, client, ListOperators));
  router.Handle("POST", "/api/v1/governance/operators",
                GovernanceRoute(ctx, client, RegisterOperator), json);
  router.Handle("POST", "/api/v1/governance/operators/challenge",
                GovernanceRoute(ctx, client, OperatorChallenge));
  router.Handle("POST", "/api/v1/governance/operators/me/nodes",
                GovernanceRoute(ctx, client, ClaimNode), json);
  router.Handle("GET", "/api/v1/governance/parameters",
                GovernanceRoute(ctx, client, ListParameters));
  router.Handle("GET", "/api/v1/governance/nodes/{id}/reputation",
                GovernanceRoute(ctx, client, NodeReputation));
  AddGovernanceAccountRoutes(router, ctx, client);
  AddGovernanceBillingRoutes(router, ctx, client);
}

}  // namespace datamesh::gateway
