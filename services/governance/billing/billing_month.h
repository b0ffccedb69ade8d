// Closing a billing month: quota's billing records of the month become invoices
// (invoice_book.h). The records come from quota's ListBillingRecords (governance is a quota
// client): quota already integrates storage exactly and keeps the month's figures, a pull at
// close needs no new contract from quota, and an admin's "close now" is the same call. The
// monthly job closes the previous UTC month once (governance.billing_months); an admin may
// close any month up to the current one (the current month's invoices then freeze what was
// used so far — meant for tests and for a month ended early).
//
// Thread-safe; the pool and the record source must outlive the closer.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/governance/billing/invoice_pricing.h"

namespace datamesh::pg {
class Pool;
}

namespace datamesh::governance::billing {

// Every user's billing record of one month, all pages. UNAVAILABLE when quota cannot be
// reached.
using BillingRecordSource =
    std::function<absl::StatusOr<std::vector<MonthUsage>>(const std::string& month)>;

// A source backed by quota's gRPC ListBillingRecords at `quota_addr`.
BillingRecordSource QuotaBillingSource(const std::string& quota_addr);

// "YYYY-MM" of `t` in UTC, and of the month before it.
std::string MonthOf(absl::Time t);
std::string PreviousMonth(absl::Time t);

struct MonthClosed {
  std::string month;
  int invoices_written = 0;  // new this time
  int records = 0;           // billing records read
};

class BillingMonthCloser {
 public:
  BillingMonthCloser(pg::Pool& pg, BillingRecordSource source)
      : pg_(pg), source_(std::move(source)) {}

  // Writes the invoices of `month` (idempotent per user and month) and records the month as
  // closed. INVALID_ARGUMENT: not "YYYY-MM", or after the month of `now`.
  absl::StatusOr<MonthClosed> Close(const std::string& month, absl::Time now);

  // The monthly job: closes the month before `now` unless it was closed already. Returns
  // whether it closed it.
  absl::StatusOr<bool> CloseDueMonth(absl::Time now);

 private:
  pg::Pool& pg_;
  BillingRecordSource source_;
};

}  // namespace datamesh::governance::billing
