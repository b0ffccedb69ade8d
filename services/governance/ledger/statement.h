// Account statements: one account's ledger entries, newest first, page by page, and the whole
// statement exported as CSV or JSON text.
//
// Reads only. Thread safety: as the pqxx::work passed in.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace datamesh::governance::ledger {

struct StatementLine {
  int64_t entry_id = 0;
  int64_t transaction_id = 0;
  std::string account_id;
  std::string bucket;
  int64_t amount = 0;  // signed micro-tokens
  std::string kind;
  std::string reason;
  absl::Time time;  // when the transaction committed
};

struct StatementPage {
  std::vector<StatementLine> lines;
  std::optional<std::string> next_cursor;  // absent on the last page
};

// Up to `page_size` (1-1000) entries of `account` older than `cursor` (empty: from the newest).
// INVALID_ARGUMENT: a cursor this function did not return, a page size out of range.
absl::StatusOr<StatementPage> ListEntries(pqxx::work& tx, const std::string& account, int page_size,
                                          const std::string& cursor);

// The most entries one export returns; a longer statement is cut (newest kept; JSON says so).
inline constexpr int kMaxExportEntries = 100000;

enum class ExportFormat { kCsv, kJson };

// The account's statement, newest first. CSV: a header line then
// "entry_id,transaction_id,time,kind,bucket,amount,reason" (RFC 4180 quoting; time RFC 3339 UTC;
// amount signed micro-tokens). JSON: {"accountId", "truncated", "entries": [{"id",
// "transactionId", "time", "kind", "bucket", "amount", "reason"}]} with ids and amounts as
// strings (64-bit values do not fit a JSON number).
std::string ExportStatement(pqxx::work& tx, const std::string& account, ExportFormat format);

}  // namespace datamesh::governance::ledger
