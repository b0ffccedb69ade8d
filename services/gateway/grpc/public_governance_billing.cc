// PublicGovernanceService: invoices, epochs and paystubs. The actor of every request is the
// caller and its admin flag the caller's role, whatever the client sent; the governance service
// then shows a user only their own invoices and an operator's account only its own paystubs.
// CloseBillingMonth needs role admin and is audited as REST POST /governance/billing/close is.
#include <string>

#include "services/gateway/admin/admin_routes.h"
#include "services/gateway/grpc/public_call.h"
#include "services/gateway/grpc/public_governance_service.h"

namespace datamesh::gateway::public_grpc {
namespace {

namespace gv1 = governance::v1;

template <typename Req>
void BindActor(const Caller& caller, Req& req) {
  req.set_actor_id(caller.user_id);
  req.set_actor_is_admin(caller.is_admin());
}

// A non-admin's invoices only; an admin may name any user or none (all).
void BindInvoiceList(const Caller& caller, gv1::ListInvoicesRequest& req) {
  BindActor(caller, req);
  if (!caller.is_admin()) req.set_user_id(caller.user_id);
}

template <typename Req, typename Resp, typename Bind, typename Rpc>
grpc::Status ForwardBound(const ApiContext& ctx, grpc::ServerContext& server, std::string_view name,
                          const Req& req, Bind bind, Rpc rpc) {
  return ServeUnary(ctx, server, "/datamesh.governance.v1.GovernanceService/" + std::string(name),
                    [&](const PublicCall& call, grpc::ClientContext& c) {
                      Req bound = req;
                      bind(call.caller, bound);
                      return rpc(c, bound);
                    });
}

constexpr auto kNoIdentity = [](const Caller&, auto&) {};
constexpr auto kActor = [](const Caller& caller, auto& req) { BindActor(caller, req); };

}  // namespace

grpc::Status PublicGovernanceService::ListEpochs(grpc::ServerContext* server,
                                                 const gv1::ListEpochsRequest* req,
                                                 gv1::ListEpochsResponse* resp) {
  return ForwardBound<gv1::ListEpochsRequest, gv1::ListEpochsResponse>(
      ctx_, *server, "ListEpochs", *req, kNoIdentity, [&](grpc::ClientContext& c, const auto& r) {
        return client_.stub().ListEpochs(&c, r, resp);
      });
}

grpc::Status PublicGovernanceService::ListPaystubs(grpc::ServerContext* server,
                                                   const gv1::ListPaystubsRequest* req,
                                                   gv1::ListPaystubsResponse* resp) {
  return ForwardBound<gv1::ListPaystubsRequest, gv1::ListPaystubsResponse>(
      ctx_, *server, "ListPaystubs", *req, kActor, [&](grpc::ClientContext& c, const auto& r) {
        return client_.stub().ListPaystubs(&c, r, resp);
      });
}

grpc::Status PublicGovernanceService::ListInvoices(grpc::ServerContext* server,
                                                   const gv1::ListInvoicesRequest* req,
                                                   gv1::ListInvoicesResponse* resp) {
  return ForwardBound<gv1::ListInvoicesRequest, gv1::ListInvoicesResponse>(
      ctx_, *server, "ListInvoices", *req, BindInvoiceList,
      [&](grpc::ClientContext& c, const auto& r) {
        return client_.stub().ListInvoices(&c, r, resp);
      });
}

grpc::Status PublicGovernanceService::GetInvoice(grpc::ServerContext* server,
                                                 const gv1::GetInvoiceRequest* req,
                                                 gv1::GetInvoiceResponse* resp) {
  return ForwardBound<gv1::GetInvoiceRequest, gv1::GetInvoiceResponse>(
      ctx_, *server, "GetInvoice", *req, kActor, [&](grpc::ClientContext& c, const auto& r) {
        return client_.stub().GetInvoice(&c, r, resp);
      });
}

grpc::Status PublicGovernanceService::PayInvoice(grpc::ServerContext* server,
                                                 const gv1::PayInvoiceRequest* req,
                                                 gv1::PayInvoiceResponse* resp) {
  return ForwardBound<gv1::PayInvoiceRequest, gv1::PayInvoiceResponse>(
      ctx_, *server, "PayInvoice", *req, kActor, [&](grpc::ClientContext& c, const auto& r) {
        return client_.stub().PayInvoice(&c, r, resp);
      });
}

grpc::Status PublicGovernanceService::CloseBillingMonth(grpc::ServerContext* server,
                                                        const gv1::CloseBillingMonthRequest* req,
                                                        gv1::CloseBillingMonthResponse* resp) {
  return Serve(ctx_, *server, "/datamesh.governance.v1.GovernanceService/CloseBillingMonth",
               [&](const PublicCall& call) {
                 gv1::CloseBillingMonthRequest bound = *req;
                 BindActor(call.caller, bound);
                 grpc::ClientContext context;
                 PrepareContext(context, call.origin, ctx_.rpc_timeout);
                 grpc::Status rpc = client_.stub().CloseBillingMonth(&context, bound, resp);
                 AuditAdminAction(ctx_, call.caller, call.origin, call.source_ip,
                                  "admin.governance.close_billing_month", bound.month(),
                                  rpc.ok() ? "success" : "failure");
                 return rpc.ok() ? absl::OkStatus() : StatusFromRpc(rpc, context);
               });
}

}  // namespace datamesh::gateway::public_grpc
