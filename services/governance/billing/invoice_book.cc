#include "services/governance/billing/invoice_book.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/governance/ledger/ledger.h"
#include "services/governance/params/parameters.h"
#include "shared/bus/event.h"
#include "shared/status/status.h"

namespace datamesh::governance::billing {
namespace {

constexpr char kInvoiceColumns[] =
    "id, user_id, month, tier, total, state, extract(epoch FROM created_at)::float8, "
    "extract(epoch FROM paid_at)::float8";

absl::Time FromEpochSeconds(double s) {
  return absl::FromUnixMicros(static_cast<int64_t>(s * 1e6));
}

Invoice InvoiceFromRow(const pqxx::row& r) {
  Invoice inv;
  inv.id = r[0].as<std::string>();
  inv.user_id = r[1].as<std::string>();
  inv.month = r[2].as<std::string>();
  inv.tier = r[3].as<std::string>();
  inv.total = r[4].as<int64_t>();
  inv.state = r[5].as<std::string>();
  inv.created_at = FromEpochSeconds(r[6].as<double>());
  if (!r[7].is_null()) inv.paid_at = FromEpochSeconds(r[7].as<double>());
  return inv;
}

void LoadLines(pqxx::work& tx, Invoice& inv) {
  for (const pqxx::row& r : tx.exec_params(
           "SELECT kind, quantity, unit, unit_price, amount FROM governance.invoice_lines "
           "WHERE invoice_id = $1 ORDER BY position",
           inv.id)) {
    inv.lines.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                         r[3].as<int64_t>(), r[4].as<int64_t>()});
  }
}

absl::Status WriteOne(pqxx::work& tx, const MonthUsage& u) {
  ASSIGN_OR_RETURN(Prices prices, ReadPrices(tx, u.tier));
  ASSIGN_OR_RETURN(std::vector<InvoiceLine> lines, PriceMonth(u, prices));
  pqxx::result r = tx.exec_params(
      "INSERT INTO governance.invoices (id, user_id, month, tier, total, state) "
      "VALUES ($1, $2, $3, $4, $5, 'open') ON CONFLICT (user_id, month) DO NOTHING RETURNING id",
      "inv-" + bus::NewUuidV4(), u.user_id, u.month, u.tier, InvoiceTotal(lines));
  if (r.empty()) return absl::AlreadyExistsError("invoiced");
  const std::string id = r[0][0].as<std::string>();
  for (size_t i = 0; i < lines.size(); ++i) {
    const InvoiceLine& l = lines[i];
    tx.exec_params0(
        "INSERT INTO governance.invoice_lines (invoice_id, position, kind, quantity, unit, "
        "unit_price, amount) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        id, static_cast<int>(i), l.kind, l.quantity, l.unit, l.unit_price, l.amount);
  }
  return absl::OkStatus();
}

}  // namespace

bool IsMonth(const std::string& m) {
  if (m.size() != 7 || m[4] != '-') return false;
  for (int i : {0, 1, 2, 3, 5, 6}) {
    if (!absl::ascii_isdigit(m[i])) return false;
  }
  int month = 0;
  return absl::SimpleAtoi(m.substr(5), &month) && month >= 1 && month <= 12;
}

absl::StatusOr<Prices> ReadPrices(pqxx::work& tx, const std::string& tier) {
  Prices p;
  ASSIGN_OR_RETURN(p.storage_per_gb_month, params::IntParam(tx, "price.storagePerGbMonth"));
  ASSIGN_OR_RETURN(p.egress_per_gb, params::IntParam(tx, "price.egressPerGb"));
  ASSIGN_OR_RETURN(p.api_calls_per_thousand, params::IntParam(tx, "price.apiCallsPerThousand"));
  absl::StatusOr<int64_t> sub = params::IntParam(tx, "price.subscription." + tier);
  if (sub.ok()) {
    p.subscription = *sub;
  } else if (!absl::IsNotFound(sub.status())) {
    return sub.status();
  }
  return p;
}

absl::StatusOr<int> WriteInvoices(pqxx::work& tx, const std::vector<MonthUsage>& records) {
  for (const MonthUsage& u : records) {
    if (u.user_id.empty() || !IsMonth(u.month)) {
      return absl::InvalidArgumentError(
          absl::StrCat("billing record of '", u.user_id, "' for '", u.month, "' is malformed"));
    }
  }
  int written = 0;
  for (const MonthUsage& u : records) {
    absl::Status s = WriteOne(tx, u);
    if (absl::IsAlreadyExists(s)) continue;
    RETURN_IF_ERROR(s);
    ++written;
  }
  return written;
}

absl::StatusOr<Invoice> GetInvoice(pqxx::work& tx, const std::string& id) {
  pqxx::result r = tx.exec_params(
      absl::StrCat("SELECT ", kInvoiceColumns, " FROM governance.invoices WHERE id = $1"), id);
  if (r.empty()) return absl::NotFoundError("no invoice " + id);
  Invoice inv = InvoiceFromRow(r[0]);
  LoadLines(tx, inv);
  return inv;
}

InvoicePage ListInvoices(pqxx::work& tx, const std::string& user_id, const std::string& month,
                         const std::string& cursor, int limit) {
  // The cursor is the last row's "month/user_id"; pages go month descending, user ascending.
  std::string c_month, c_user;
  if (auto slash = cursor.find('/'); slash != std::string::npos) {
    c_month = cursor.substr(0, slash);
    c_user = cursor.substr(slash + 1);
  }
  pqxx::result r =
      tx.exec_params(absl::StrCat("SELECT ", kInvoiceColumns,
                                  " FROM governance.invoices WHERE ($1 = '' OR user_id = $1) "
                                  "AND ($2 = '' OR month = $2) "
                                  "AND ($3 = '' OR month < $3 OR (month = $3 AND user_id > $4)) "
                                  "ORDER BY month DESC, user_id LIMIT $5"),
                     user_id, month, c_month, c_user, limit + 1);
  InvoicePage page;
  for (const pqxx::row& row : r) {
    if (static_cast<int>(page.invoices.size()) == limit) {
      const Invoice& last = page.invoices.back();
      page.next_cursor = last.month + "/" + last.user_id;
      break;
    }
    page.invoices.push_back(InvoiceFromRow(row));
  }
  return page;
}

absl::StatusOr<PaymentResult> PayInvoice(pqxx::work& tx, const std::string& id, absl::Time now) {
  pqxx::result r =
      tx.exec_params(absl::StrCat("SELECT ", kInvoiceColumns,
                                  " FROM governance.invoices WHERE id = $1 FOR UPDATE"),
                     id);
  if (r.empty()) return absl::NotFoundError("no invoice " + id);
  PaymentResult result{InvoiceFromRow(r[0]), false};
  if (result.invoice.state == "paid") {
    result.already_paid = true;
  } else {
    ASSIGN_OR_RETURN(int64_t share_ppm, params::IntParam(tx, "fees.rewardsSharePpm"));
    const Invoice& inv = result.invoice;
    const PaymentSplit split = SplitPayment(inv.total, share_ppm);
    std::optional<int64_t> txn;
    if (inv.total > 0) {
      ledger::Movement m{"payment",
                         absl::StrCat("invoice ", inv.month, " ", inv.id),
                         absl::StrCat("invoice/", inv.id, "/payment"),
                         {{inv.user_id, ledger::kAvailable, -inv.total}}};
      if (split.to_rewards > 0) {
        m.entries.push_back({ledger::kRewardsPool, ledger::kAvailable, split.to_rewards});
      }
      if (split.to_fees > 0)
        m.entries.push_back({ledger::kFees, ledger::kAvailable, split.to_fees});
      absl::StatusOr<std::string> posted = ledger::Post(tx, m);
      if (absl::IsFailedPrecondition(posted.status())) {
        return absl::FailedPreconditionError(
            absl::StrCat("insufficient balance: the invoice is ", inv.total,
                         " micro-tokens and account ", inv.user_id, " has ",
                         ledger::BalanceOf(tx, inv.user_id, ledger::kAvailable), " available"));
      }
      RETURN_IF_ERROR(posted.status());
      int64_t n = 0;
      if (absl::SimpleAtoi(*posted, &n)) txn = n;
    }
    tx.exec_params0(
        "UPDATE governance.invoices SET state = 'paid', paid_at = to_timestamp($2::float8 / 1e6), "
        "payment_transaction_id = $3 WHERE id = $1",
        id, absl::ToUnixMicros(now), txn);
    result.invoice.state = "paid";
    result.invoice.paid_at = now;
  }
  LoadLines(tx, result.invoice);
  return result;
}

}  // namespace datamesh::governance::billing
