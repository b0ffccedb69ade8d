// Invoices, epochs and paystubs: a user reads and pays their own invoices (an admin anyone's),
// everyone reads the epochs, an operator's account (or an admin) its paystubs; an admin closes
// a billing month now (audited as admin.governance.close_billing_month).
//
//   GET  /governance/invoices                    ?month=&user=&limit=&cursor= -> ListInvoices
//   GET  /governance/invoices/{id}               GetInvoice (404 for another user's)
//   POST /governance/invoices/{id}/pay           PayInvoice (409 when the balance is too low)
//   GET  /governance/epochs                      ?limit=&cursor= -> ListEpochs
//   GET  /governance/operators/{id}/paystubs     ?limit=&cursor= -> ListPaystubs
//   POST /governance/billing/close               {"month"} -> CloseBillingMonth (admin)
#include "services/gateway/routes/governance_convert.h"
#include "services/gateway/routes/governance_routes.h"

namespace datamesh::gateway {
namespace {

namespace gv1 = governance::v1;
using http::BodyReader;
using http::Request;
using http::ResponseWriter;
using Stub = gv1::GovernanceService::StubInterface;

// A user lists their own invoices; an admin anyone's (?user=, empty = everyone's).
void ListInvoices(const ApiContext& ctx, GovernanceClient& client, const Caller& caller,
                  const Request& r, BodyReader&, ResponseWriter& w) {
  gv1::ListInvoicesRequest req;
  if (absl::Status s = ParsePage(r, req.mutable_page()); !s.ok()) return WriteApiError(w, s);
  req.set_month(std::string(r.query_param("month").value_or("")));
  req.set_actor_id(caller.user_id);
  req.set_actor_is_admin(caller.is_admin());
  const std::string user(r.query_param("user").value_or(""));
  if (!caller.is_admin() && !user.empty() && user != caller.user_id) {
    return WriteApiError(w, absl::PermissionDeniedError("only an admin lists others' invoices"));
  }
  req.set_user_id(caller.is_admin() ? user : caller.user_id);
  ForwardGovernance(ctx, client, r, w, req, &Stub::ListInvoices);
}

void GetInvoice(const ApiContext& ctx, GovernanceClient& client, const Caller& caller,
                const Request& r, BodyReader&, ResponseWriter& w) {
  gv1::GetInvoiceRequest req;
  req.set_invoice_id(PathId(r));
  req.set_actor_id(caller.user_id);
  req.set_actor_is_admin(caller.is_admin());
  ForwardGovernance(ctx, client, r, w, req, &Stub::GetInvoice);
}

void PayInvoice(const ApiContext& ctx, GovernanceClient& client, const Caller& caller,
                const Request& r, BodyReader&, ResponseWriter& w) {
  gv1::PayInvoiceRequest req;
  req.set_invoice_id(PathId(r));
  req.set_actor_id(caller.user_id);
  req.set_actor_is_admin(caller.is_admin());
  ForwardGovernance(ctx, client, r, w, req, &Stub::PayInvoice);
}

void ListEpochs(const ApiContext& ctx, GovernanceClient& client, const Caller&, const Request& r,
                BodyReader&, ResponseWriter& w) {
  gv1::ListEpochsRequest req;
  if (absl::Status s = ParsePage(r, req.mutable_page()); !s.ok()) return WriteApiError(w, s);
  ForwardGovernance(ctx, client, r, w, req, &Stub::ListEpochs);
}

void ListPaystubs(const ApiContext& ctx, GovernanceClient& client, const Caller& caller,
                  const Request& r, BodyReader&, ResponseWriter& w) {
  gv1::ListPaystubsRequest req;
  if (absl::Status s = ParsePage(r, req.mutable_page()); !s.ok()) return WriteApiError(w, s);
  req.set_operator_id(PathId(r));
  req.set_actor_id(caller.user_id);
  req.set_actor_is_admin(caller.is_admin());
  ForwardGovernance(ctx, client, r, w, req, &Stub::ListPaystubs);
}

// Admin: {"month": "YYYY-MM"} (empty: the previous month).
void CloseBillingMonth(const ApiContext& ctx, GovernanceClient& client, const Caller& caller,
                       const Request& r, BodyReader& body, ResponseWriter& w) {
  gv1::CloseBillingMonthRequest req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, &req); !s.ok()) return WriteApiError(w, s);
  if (absl::Status s = BindAccount(caller, "actorId", req.mutable_actor_id()); !s.ok()) {
    return WriteApiError(w, s);
  }
  req.set_actor_is_admin(caller.is_admin());
  ForwardAudited(ctx, client, caller, r, w, req, &Stub::CloseBillingMonth,
                 "admin.governance.close_billing_month", req.month());
}

}  // namespace

void AddGovernanceBillingRoutes(http::Router& router, const ApiContext& ctx,
                                GovernanceClient& client) {
  const http::RouteOptions json{.body_limit = ctx.json.max_bytes};
  const std::string base = "/api/v1/governance";
  router.Handle("GET", base + "/invoices", GovernanceRoute(ctx, client, ListInvoices));
  router.Handle("GET", base + "/invoices/{id}", GovernanceRoute(ctx, client, GetInvoice));
  router.Handle("POST", base + "/invoices/{id}/pay", GovernanceRoute(ctx, client, PayInvoice));
  router.Handle("GET", base + "/epochs", GovernanceRoute(ctx, client, ListEpochs));
  router.Handle("GET", base + "/operators/{id}/paystubs",
                GovernanceRoute(ctx, client, ListPaystubs));
  router.Handle("POST", base + "/billing/close",
                GovernanceRoute(ctx, client, CloseBillingMonth, Access::kAdmin), json);
}

}  // namespace datamesh::gateway
