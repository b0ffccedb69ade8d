#include "services/governance/billing/billing_month.h"

#include "absl/strings/str_format.h"
#include "datamesh/quota/v1/quota.grpc.pb.h"
#include "services/governance/billing/invoice_book.h"
#include "shared/pg/pool.h"
#include "shared/server/channels.h"
#include "shared/status/grpc_status.h"
#include "shared/status/status.h"

namespace datamesh::governance::billing {
namespace {

constexpr int kPageSize = 1000;
constexpr absl::Duration kCallTimeout = absl::Seconds(30);

}  // namespace

BillingRecordSource QuotaBillingSource(const std::string& quota_addr) {
  std::shared_ptr<quota::v1::QuotaService::Stub> stub =
      quota::v1::QuotaService::NewStub(server::ServiceChannel(quota_addr));
  return [stub](const std::string& month) -> absl::StatusOr<std::vector<MonthUsage>> {
    std::vector<MonthUsage> out;
    std::string cursor;
    do {
      quota::v1::ListBillingRecordsRequest req;
      req.set_month(month);
      req.mutable_page()->set_limit(kPageSize);
      if (!cursor.empty()) req.mutable_page()->set_cursor(cursor);
      quota::v1::ListBillingRecordsResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
      grpc::Status s = stub->ListBillingRecords(&ctx, req, &resp);
      if (!s.ok()) return FromGrpcStatus(s);
      for (const quota::v1::BillingRecord& r : resp.records()) {
        out.push_back({r.user_id(), r.month(), r.tier(), r.storage_byte_hours(),
                       r.bandwidth_bytes(), r.api_calls()});
      }
      cursor = resp.has_next_cursor() ? resp.next_cursor() : "";
    } while (!cursor.empty());
    return out;
  };
}

std::string MonthOf(absl::Time t) { return absl::FormatTime("%Y-%m", t, absl::UTCTimeZone()); }

std::string PreviousMonth(absl::Time t) {
  const absl::CivilMonth m = absl::ToCivilMonth(t, absl::UTCTimeZone());
  return absl::FormatCivilTime(m - 1).substr(0, 7);
}

absl::StatusOr<MonthClosed> BillingMonthCloser::Close(const std::string& month, absl::Time now) {
  if (!IsMonth(month)) return absl::InvalidArgumentError("month must be YYYY-MM");
  if (month > MonthOf(now)) {
    return absl::InvalidArgumentError("month " + month + " has not begun");
  }
  ASSIGN_OR_RETURN(std::vector<MonthUsage> records, source_(month));
  MonthClosed closed{month, 0, static_cast<int>(records.size())};
  RETURN_IF_ERROR(pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(closed.invoices_written, WriteInvoices(tx, records));
    tx.exec_params0(
        "INSERT INTO governance.billing_months (month, invoices) VALUES ($1, $2) "
        "ON CONFLICT (month) DO UPDATE SET invoices = billing_months.invoices + $2, "
        "closed_at = now()",
        month, closed.invoices_written);
    return absl::OkStatus();
  }));
  return closed;
}

absl::StatusOr<bool> BillingMonthCloser::CloseDueMonth(absl::Time now) {
  const std::string month = PreviousMonth(now);
  bool done = false;
  RETURN_IF_ERROR(pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    done =
        !tx.exec_params("SELECT 1 FROM governance.billing_months WHERE month = $1", month).empty();
    return absl::OkStatus();
  }));
  if (done) return false;
  RETURN_IF_ERROR(Close(month, now).status());
  return true;
}

}  // namespace datamesh::governance::billing
