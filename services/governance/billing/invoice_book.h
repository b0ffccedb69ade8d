// Invoices in PostgreSQL (governance.invoices, governance.invoice_lines): written from quota's
// billing records of a month, one per (user, month), and paid from the user's token account.
//
// Every call takes the caller's transaction. Thread-compatible (as pqxx::work).
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/governance/billing/invoice_pricing.h"

namespace datamesh::governance::billing {

struct Invoice {
  std::string id;
  std::string user_id;
  std::string month;
  std::string tier;
  int64_t total = 0;
  std::string state;  // "open", "paid"
  absl::Time created_at;
  std::optional<absl::Time> paid_at;
  std::vector<InvoiceLine> lines;
};

// The prices in force for `tier` (price.* parameters; a tier without a subscription price
// pays none).
absl::StatusOr<Prices> ReadPrices(pqxx::work& tx, const std::string& tier);

// Writes the invoice of each record that has none for its (user, month) yet, priced now;
// records already invoiced are left as they are. Returns how many it wrote. INVALID_ARGUMENT:
// a record with an empty user or a month not "YYYY-MM" (nothing is written).
absl::StatusOr<int> WriteInvoices(pqxx::work& tx, const std::vector<MonthUsage>& records);

// NOT_FOUND when there is no such invoice.
absl::StatusOr<Invoice> GetInvoice(pqxx::work& tx, const std::string& id);

struct InvoicePage {
  std::vector<Invoice> invoices;  // newest month first, then by user; lines not filled
  std::optional<std::string> next_cursor;
};

// Invoices of `user_id` (all users when empty), of `month` when not empty.
InvoicePage ListInvoices(pqxx::work& tx, const std::string& user_id, const std::string& month,
                         const std::string& cursor, int limit);

struct PaymentResult {
  Invoice invoice;
  bool already_paid = false;  // an earlier call paid it; nothing moved now
};

// Pays an open invoice from its user's available tokens: to_rewards into the rewards pool and
// the rest into the fee account (SplitPayment with fees.rewardsSharePpm), one ledger post keyed
// "invoice/<id>/payment". Paying a paid invoice moves nothing and says so. NOT_FOUND: no such
// invoice; FAILED_PRECONDITION: the user's available balance is below the total (nothing
// moves).
absl::StatusOr<PaymentResult> PayInvoice(pqxx::work& tx, const std::string& id, absl::Time now);

// Whether "YYYY-MM" is a well-formed month (01-12).
bool IsMonth(const std::string& month);

}  // namespace datamesh::governance::billing
