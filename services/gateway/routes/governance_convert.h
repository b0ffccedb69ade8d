// What the /api/v1/governance routes share: whose account a request acts for, how governance's
// answers become client errors, and the handler plumbing.
//
// Identity: every request field that names the acting account (CreateProposal.proposer_id,
// CastVote.voter_id, the account_id of RegisterOperator, ClaimNode, GetOperatorChallenge, Stake
// and Unstake, Transfer.from_account_id, Grant.actor_id) is the caller's. A body that names another
// account there is refused with 403 PERMISSION_DENIED rather than silently rewritten, so a client
// that believes it acts for someone else learns at once that it does not; naming the caller is
// accepted.
//
// Thread safety: pure functions, thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "datamesh/governance/v1/governance.pb.h"
#include "services/gateway/identity/caller.h"
#include "services/gateway/routes/api_context.h"
#include "services/gateway/routes/governance_routes.h"
#include "services/gateway/upstream/unary_call.h"

namespace datamesh::gateway {

// Sets `*field` (whose JSON name is `json_name`) to the caller's user id. PERMISSION_DENIED when
// it already names another account; an empty field or the caller's own id is fine.
[[nodiscard]] absl::Status BindAccount(const Caller& caller, std::string_view json_name,
                                       std::string* field);

// A unary method of the governance stub, e.g. &GovernanceService::StubInterface::GetProposal.
template <typename Req, typename Resp>
using GovernanceMethod = StubMethod<governance::v1::GovernanceService::StubInterface, Req, Resp>;

// Calls `method` with `req` and answers `status` with the response as JSON, or the mapped error.
template <typename Req, typename Resp>
void ForwardGovernance(const ApiContext& ctx, GovernanceClient& client, const http::Request& r,
                       http::ResponseWriter& w, const Req& req, GovernanceMethod<Req, Resp> method,
                       int status = 200) {
  Forward(ctx, r, w, client.stub(), method, req, status);
}

// Records an admin's governance action in the audit log: "success" when the call and
// `succeeded` say so. A service that does not answer the RPC yet (UNIMPLEMENTED) did nothing
// worth recording.
void AuditGovernance(const ApiContext& ctx, const Caller& caller, const http::Request& r,
                     const grpc::Status& rpc, std::string_view action, std::string_view target,
                     bool succeeded);

// ForwardGovernance for admin actions: the call is audited as `action` on `target` whether it
// worked or not, and counts as failed when `succeeded` (if given) says the answer is a failure.
template <typename Req, typename Resp>
void ForwardAudited(const ApiContext& ctx, GovernanceClient& client, const Caller& caller,
                    const http::Request& r, http::ResponseWriter& w, const Req& req,
                    GovernanceMethod<Req, Resp> method, std::string_view action,
                    std::string_view target,
                    const std::function<bool(const Resp&)>& succeeded = nullptr) {
  Resp resp;
  grpc::ClientContext context;
  PrepareContext(context, r.request_id(), ctx.rpc_timeout);
  grpc::Status rpc = (client.stub().*method)(&context, req, &resp);
  AuditGovernance(ctx, caller, r, rpc, action, target, !succeeded || succeeded(resp));
  if (!rpc.ok()) return WriteApiError(w, StatusFromRpc(rpc, context));
  WriteJson(w, 200, resp);
}

// A governance route's handler: the client, the authenticated caller, the request.
// The `{id}` of a governance route's path ("" when absent; governance refuses it).
std::string PathId(const http::Request& r);

using GovernanceHandler = void (*)(const ApiContext& ctx, GovernanceClient& client,
                                   const Caller& caller, const http::Request& r,
                                   http::BodyReader& body, http::ResponseWriter& w);

// `handler` behind Authed() with `access` (401, 403 for non-admins on kAdmin, 429).
http::Handler GovernanceRoute(const ApiContext& ctx, GovernanceClient& client,
                              GovernanceHandler handler, Access access = Access::kUser);

// `limit` (1-1000, default 100) and `cursor` of a list request's query. INVALID_ARGUMENT when
// the limit is malformed.
[[nodiscard]] absl::Status ParsePage(const http::Request& r, common::v1::PageRequest* page);

}  // namespace datamesh::gateway
