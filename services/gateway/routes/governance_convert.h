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

// Runs `call(grpc::ClientContext&)` with the request's deadline and id; on failure answers the
// mapped error on `w` and returns false.
template <typename Call>
bool GovernanceUnary(const ApiContext& ctx, const http::Request& request, http::ResponseWriter& w,
                     Call call) {
  grpc::ClientContext context;
  PrepareContext(context, request.request_id(), ctx.rpc_timeout);
  grpc::Status rpc = call(context);
  if (rpc.ok()) return true;
  WriteApiError(w, StatusFromRpc(rpc, context));
  return false;
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
