// Token accounts: balances, ledger entries and statements, stake, transfers, and the admin's
// grants and ledger check. Every route acts on the caller's own account except the admin ones,
// which are recorded in the audit log as admin.governance.* actions.
#include "services/gateway/routes/governance_convert.h"
#include "services/gateway/routes/governance_routes.h"

namespace datamesh::gateway {
namespace {

namespace gv1 = governance::v1;
using http::BodyReader;
using http::Request;
using http::ResponseWriter;
using Stub = gv1::GovernanceService::StubInterface;

void Balance(const ApiContext& ctx, GovernanceClient& client, const std::string& account,
             const Request& r, ResponseWriter& w) {
  gv1::GetBalanceRequest req;
  req.set_account_id(account);
  ForwardGovernance(ctx, client, r, w, req, &Stub::GetBalance);
}

void MyBalance(const ApiContext& ctx, GovernanceClient& client, const Caller& caller,
               const Request& r, BodyReader&, ResponseWriter& w) {
  Balance(ctx, client, caller.user_id, r, w);
}

// Admins read any account, system accounts ("treasury", "rewards", ...) included.
void AccountBalance(const ApiContext& ctx, GovernanceClient& client, const Caller&,
                    const Request& r, BodyReader&, ResponseWriter& w) {
  Balance(ctx, client, std::string(r.path_param("id").value_or("")), r, w);
}

// One page of the caller's ledger entries, newest first.
void MyEntries(const ApiContext& ctx, GovernanceClient& client, const Caller& caller,
               const Request& r, BodyReader&, ResponseWriter& w) {
  gv1::ListLedgerEntriesRequest req;
  if (absl::Status s = ParsePage(r, req.mutable_page()); !s.ok()) return WriteApiError(w, s);
  req.set_account_id(caller.user_id);
  ForwardGovernance(ctx, client, r, w, req, &Stub::ListLedgerEntries);
}

// The caller's whole statement as the service writes it: ?format=json (default) or csv.
void MyStatement(const ApiContext& ctx, GovernanceClient& client, const Caller& caller,
                 const Request& r, BodyReader&, ResponseWriter& w) {
  gv1::ExportStatementRequest req;
  req.set_account_id(caller.user_id);
  req.set_format(std::string(r.query_param("format").value_or("json")));
  if (req.format() != "json" && req.format() != "csv") {
    return WriteApiError(w, absl::InvalidArgumentError("format must be \"json\" or \"csv\""));
  }
  gv1::ExportStatementResponse resp;
  if (!Unary(ctx, r, w,
                       [&](auto& c) { return client.stub().ExportStatement(&c, req, &resp); })) {
    return;
  }
  w.SetStatus(200);
  if (req.format() == "csv") {
    w.SetHeader("Content-Disposition", "attachment; filename=\"statement.csv\"");
  }
  (void)w.WriteWhole(std::move(*resp.mutable_text()),
                     req.format() == "csv" ? "text/csv; charset=utf-8" : "application/json");
}

// Parses the body into `req`, makes `*account` (JSON name `json_name`) the caller's, calls
// `method` and answers 200 with the response.
template <typename Req, typename Resp>
void ActAsCaller(const ApiContext& ctx, GovernanceClient& client, const Caller& caller,
                 const Request& r, BodyReader& body, ResponseWriter& w,
                 std::string* (Req::*account)(), std::string_view json_name,
                 GovernanceMethod<Req, Resp> method) {
  Req req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, &req); !s.ok()) return WriteApiError(w, s);
  if (absl::Status s = BindAccount(caller, json_name, (req.*account)()); !s.ok()) {
    return WriteApiError(w, s);
  }
  ForwardGovernance(ctx, client, r, w, req, method);
}

void Bond(const ApiContext& ctx, GovernanceClient& client, const Caller& caller, const Request& r,
          BodyReader& body, ResponseWriter& w) {
  ActAsCaller(ctx, client, caller, r, body, w, &gv1::StakeRequest::mutable_account_id, "accountId",
              &Stub::Stake);
}

void Unbond(const ApiContext& ctx, GovernanceClient& client, const Caller& caller, const Request& r,
            BodyReader& body, ResponseWriter& w) {
  ActAsCaller(ctx, client, caller, r, body, w, &gv1::UnstakeRequest::mutable_account_id,
              "accountId", &Stub::Unstake);
}

// {"toAccountId", "amount", "reason"?}: from the caller's available balance.
void Transfer(const ApiContext& ctx, GovernanceClient& client, const Caller& caller,
              const Request& r, BodyReader& body, ResponseWriter& w) {
  ActAsCaller(ctx, client, caller, r, body, w, &gv1::TransferRequest::mutable_from_account_id,
              "fromAccountId", &Stub::Transfer);
}

// Admin: {"accountId", "amount", "reason"} from the treasury; the actor is the caller.
void Grant(const ApiContext& ctx, GovernanceClient& client, const Caller& caller, const Request& r,
           BodyReader& body, ResponseWriter& w) {
  gv1::GrantRequest req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, &req); !s.ok()) return WriteApiError(w, s);
  if (absl::Status s = BindAccount(caller, "actorId", req.mutable_actor_id()); !s.ok()) {
    return WriteApiError(w, s);
  }
  req.set_actor_is_admin(caller.is_admin());
  ForwardAudited(ctx, client, caller, r, w, req, &Stub::Grant, "admin.governance.grant",
                 req.account_id());
}

// Admin: checks the ledger's invariants. A broken invariant is in the answer ("ok": false),
// and recorded as a failed check.
void VerifyLedger(const ApiContext& ctx, GovernanceClient& client, const Caller& caller,
                  const Request& r, BodyReader&, ResponseWriter& w) {
  gv1::VerifyLedgerRequest req;
  req.set_actor_id(caller.user_id);
  req.set_actor_is_admin(caller.is_admin());
  ForwardAudited<gv1::VerifyLedgerRequest, gv1::VerifyLedgerResponse>(
      ctx, client, caller, r, w, req, &Stub::VerifyLedger, "admin.governance.verify", "ledger",
      [](const gv1::VerifyLedgerResponse& resp) { return resp.ok(); });
}

}  // namespace

void AddGovernanceAccountRoutes(http::Router& router, const ApiContext& ctx,
                                GovernanceClient& client) {
  const http::RouteOptions json{.body_limit = ctx.json.max_bytes};
  const Access admin = Access::kAdmin;
  const std::string base = "/api/v1/governance";
  router.Handle("GET", base + "/accounts/me", GovernanceRoute(ctx, client, MyBalance));
  router.Handle("GET", base + "/accounts/me/entries", GovernanceRoute(ctx, client, MyEntries));
  router.Handle("GET", base + "/accounts/me/statement", GovernanceRoute(ctx, client, MyStatement));
  router.Handle("POST", base + "/stake/bond", GovernanceRoute(ctx, client, Bond), json);
  router.Handle("POST", base + "/stake/unbond", GovernanceRoute(ctx, client, Unbond), json);
  router.Handle("POST", base + "/transfers", GovernanceRoute(ctx, client, Transfer), json);
  router.Handle("GET", base + "/accounts/{id}",
                GovernanceRoute(ctx, client, AccountBalance, admin));
  router.Handle("POST", base + "/grants", GovernanceRoute(ctx, client, Grant, admin), json);
  router.Handle("POST", base + "/ledger/verify", GovernanceRoute(ctx, client, VerifyLedger, admin));
}

}  // namespace datamesh::gateway
