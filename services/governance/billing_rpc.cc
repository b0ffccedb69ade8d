// GovernanceServiceImpl: the epoch and invoice RPCs over epochs/ and billing/ (listing epochs
// and paystubs, invoices, payment, closing a billing month).
#include <algorithm>
#include <string>

#include "absl/strings/numbers.h"
#include "services/governance/billing/invoice_book.h"
#include "services/governance/epochs/epoch_book.h"
#include "services/governance/governance_service.h"
#include "services/governance/ledger/ledger.h"
#include "services/governance/rpc_reply.h"
#include "shared/pg/pool.h"
#include "shared/status/status.h"

namespace datamesh::governance {
namespace {

namespace gv1 = governance::v1;

int PageSize(const common::v1::PageRequest& page) {
  if (page.limit() == 0) return 100;
  return static_cast<int>(std::min<uint32_t>(page.limit(), 1000));
}

// A numeric cursor ("the last number shown"); INVALID_ARGUMENT when it is not one.
absl::StatusOr<std::optional<int64_t>> NumberCursor(const std::string& cursor) {
  if (cursor.empty()) return std::optional<int64_t>();
  int64_t n = 0;
  if (!absl::SimpleAtoi(cursor, &n)) return absl::InvalidArgumentError("malformed cursor");
  return std::optional<int64_t>(n);
}

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t us = absl::ToUnixMicros(t);
  out->set_seconds(us / 1'000'000);
  out->set_nanos(static_cast<int32_t>(us % 1'000'000) * 1000);
}

uint64_t U(int64_t v) { return v > 0 ? static_cast<uint64_t>(v) : 0; }

void ToApi(const billing::Invoice& in, gv1::Invoice* out) {
  out->set_id(in.id);
  out->set_user_id(in.user_id);
  out->set_month(in.month);
  out->set_tier(in.tier);
  out->set_total(U(in.total));
  out->set_state(in.state);
  SetTime(in.created_at, out->mutable_created_at());
  if (in.paid_at) SetTime(*in.paid_at, out->mutable_paid_at());
  for (const billing::InvoiceLine& l : in.lines) {
    gv1::InvoiceLine* line = out->add_lines();
    line->set_kind(l.kind);
    line->set_quantity(l.quantity);
    line->set_unit(l.unit);
    line->set_unit_price(U(l.unit_price));
    line->set_amount(U(l.amount));
  }
}

void ToApi(const epochs::PaystubRow& p, gv1::Paystub* out) {
  out->set_epoch(p.epoch);
  out->set_operator_id(p.operator_id);
  out->set_account_id(p.account_id);
  out->set_node_count(static_cast<uint32_t>(p.node_count));
  out->set_byte_seconds(p.byte_seconds);
  out->set_uptime_ppm(static_cast<uint32_t>(p.uptime_ppm));
  out->set_score_ppm(static_cast<uint32_t>(p.score_ppm));
  out->set_earned(U(p.earned));
  out->set_paid(U(p.paid));
  out->set_held(U(p.held));
  out->set_released(U(p.released));
  out->set_forfeited(U(p.forfeited));
  out->set_slashed(U(p.slashed));
}

// The invoice if the actor may see it: its user, or an admin. Another user's invoice is
// NOT_FOUND, so ids of others' invoices reveal nothing.
absl::StatusOr<billing::Invoice> VisibleInvoice(pqxx::work& tx, const std::string& id,
                                                const std::string& actor, bool admin) {
  ASSIGN_OR_RETURN(billing::Invoice inv, billing::GetInvoice(tx, id));
  if (!admin && inv.user_id != actor) return absl::NotFoundError("no invoice " + id);
  return inv;
}

}  // namespace

grpc::Status GovernanceServiceImpl::ListEpochs(grpc::ServerContext*,
                                               const gv1::ListEpochsRequest* req,
                                               gv1::ListEpochsResponse* resp) {
  absl::StatusOr<std::optional<int64_t>> before = NumberCursor(req->page().cursor());
  if (!before.ok()) return Reply(before.status(), "ListEpochs");
  const int limit = PageSize(req->page());
  absl::Status s = pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    resp->Clear();
    std::vector<epochs::EpochRow> rows = epochs::ListEpochRows(tx, *before, limit + 1);
    for (size_t i = 0; i < rows.size() && static_cast<int>(i) < limit; ++i) {
      const epochs::EpochRow& e = rows[i];
      gv1::Epoch* out = resp->add_epochs();
      out->set_number(e.number);
      SetTime(e.starts_at, out->mutable_starts_at());
      SetTime(e.ends_at, out->mutable_ends_at());
      out->set_state(e.state);
      if (e.closed_at) SetTime(*e.closed_at, out->mutable_closed_at());
      out->set_issuance(U(e.issuance));
      out->set_distributed(U(e.distributed));
      out->set_remainder(U(e.remainder));
    }
    if (static_cast<int>(rows.size()) > limit) {
      resp->set_next_cursor(std::to_string(rows[limit - 1].number));
    }
    return absl::OkStatus();
  });
  return Reply(s, "ListEpochs");
}

grpc::Status GovernanceServiceImpl::ListPaystubs(grpc::ServerContext*,
                                                 const gv1::ListPaystubsRequest* req,
                                                 gv1::ListPaystubsResponse* resp) {
  absl::StatusOr<std::optional<int64_t>> before = NumberCursor(req->page().cursor());
  if (!before.ok()) return Reply(before.status(), "ListPaystubs");
  const int limit = PageSize(req->page());
  absl::Status s = pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    resp->Clear();
    std::optional<std::string> account = epochs::OperatorAccount(tx, req->operator_id());
    if (!account) return absl::NotFoundError("no operator " + req->operator_id());
    if (!req->actor_is_admin() && *account != req->actor_id()) {
      return absl::PermissionDeniedError("only the operator's account or an admin sees its pay");
    }
    std::vector<epochs::PaystubRow> rows =
        epochs::ListPaystubRows(tx, req->operator_id(), *before, limit + 1);
    for (size_t i = 0; i < rows.size() && static_cast<int>(i) < limit; ++i) {
      ToApi(rows[i], resp->add_paystubs());
    }
    if (static_cast<int>(rows.size()) > limit) {
      resp->set_next_cursor(std::to_string(rows[limit - 1].epoch));
    }
    return absl::OkStatus();
  });
  return Reply(s, "ListPaystubs");
}

grpc::Status GovernanceServiceImpl::ListInvoices(grpc::ServerContext*,
                                                 const gv1::ListInvoicesRequest* req,
                                                 gv1::ListInvoicesResponse* resp) {
  if (!req->actor_is_admin() && (req->user_id().empty() || req->user_id() != req->actor_id())) {
    return Reply(absl::PermissionDeniedError("only an admin lists other users' invoices"),
                 "ListInvoices");
  }
  if (!req->month().empty() && !billing::IsMonth(req->month())) {
    return Reply(absl::InvalidArgumentError("month must be YYYY-MM"), "ListInvoices");
  }
  absl::Status s = pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    resp->Clear();
    billing::InvoicePage page = billing::ListInvoices(tx, req->user_id(), req->month(),
                                                      req->page().cursor(), PageSize(req->page()));
    for (const billing::Invoice& inv : page.invoices) ToApi(inv, resp->add_invoices());
    if (page.next_cursor) resp->set_next_cursor(*page.next_cursor);
    return absl::OkStatus();
  });
  return Reply(s, "ListInvoices");
}

grpc::Status GovernanceServiceImpl::GetInvoice(grpc::ServerContext*,
                                               const gv1::GetInvoiceRequest* req,
                                               gv1::GetInvoiceResponse* resp) {
  absl::Status s = pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(billing::Invoice inv,
                     VisibleInvoice(tx, req->invoice_id(), req->actor_id(), req->actor_is_admin()));
    resp->Clear();
    ToApi(inv, resp->mutable_invoice());
    return absl::OkStatus();
  });
  return Reply(s, "GetInvoice");
}

grpc::Status GovernanceServiceImpl::PayInvoice(grpc::ServerContext*,
                                               const gv1::PayInvoiceRequest* req,
                                               gv1::PayInvoiceResponse* resp) {
  const absl::Time now = deps_.now();
  absl::Status s = pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    RETURN_IF_ERROR(
        VisibleInvoice(tx, req->invoice_id(), req->actor_id(), req->actor_is_admin()).status());
    ASSIGN_OR_RETURN(billing::PaymentResult paid, billing::PayInvoice(tx, req->invoice_id(), now));
    resp->Clear();
    ToApi(paid.invoice, resp->mutable_invoice());
    resp->set_already_paid(paid.already_paid);
    gv1::Balance* b = resp->mutable_balance();
    const std::string& user = paid.invoice.user_id;
    b->set_account_id(user);
    b->set_available(U(ledger::BalanceOf(tx, user, ledger::kAvailable)));
    b->set_staked(U(ledger::BalanceOf(tx, user, ledger::kStaked)));
    b->set_unbonding(U(ledger::BalanceOf(tx, user, ledger::kUnbonding)));
    b->set_held(U(ledger::BalanceOf(tx, user, ledger::kHeld)));
    b->set_escrow(U(ledger::BalanceOf(tx, user, ledger::kEscrow)));
    return absl::OkStatus();
  });
  return Reply(s, "PayInvoice");
}

grpc::Status GovernanceServiceImpl::CloseBillingMonth(grpc::ServerContext*,
                                                      const gv1::CloseBillingMonthRequest* req,
                                                      gv1::CloseBillingMonthResponse* resp) {
  if (!req->actor_is_admin()) {
    return Reply(absl::PermissionDeniedError("closing a billing month is for admins"),
                 "CloseBillingMonth");
  }
  if (!deps_.billing_records) {
    return Reply(absl::FailedPreconditionError("no quota address is configured (--quota-addr)"),
                 "CloseBillingMonth");
  }
  const absl::Time now = deps_.now();
  const std::string month = req->month().empty() ? billing::PreviousMonth(now) : req->month();
  billing::BillingMonthCloser closer(pg_, deps_.billing_records);
  absl::StatusOr<billing::MonthClosed> closed = closer.Close(month, now);
  if (!closed.ok()) return Reply(closed.status(), "CloseBillingMonth");
  resp->set_month(closed->month);
  resp->set_records(static_cast<uint32_t>(closed->records));
  resp->set_invoices_written(static_cast<uint32_t>(closed->invoices_written));
  return grpc::Status::OK;
}

}  // namespace datamesh::governance
