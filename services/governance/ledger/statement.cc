#include "services/governance/ledger/statement.h"

#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace datamesh::governance::ledger {
namespace {

constexpr char kSelect[] =
    "SELECT e.id, e.transaction_id, e.account_id, e.bucket, e.amount, t.kind, t.reason, "
    "(extract(epoch FROM t.created_at) * 1e6)::bigint FROM governance.ledger_entries e "
    "JOIN governance.ledger_transactions t ON t.id = e.transaction_id "
    "WHERE e.account_id = $1 AND e.id < $2::bigint ORDER BY e.id DESC LIMIT $3::int";

std::vector<StatementLine> Select(pqxx::work& tx, const std::string& account, int64_t before,
                                  int limit) {
  std::vector<StatementLine> lines;
  for (const pqxx::row& r : tx.exec_params(kSelect, account, before, limit)) {
    lines.push_back({r[0].as<int64_t>(), r[1].as<int64_t>(), r[2].as<std::string>(),
                     r[3].as<std::string>(), r[4].as<int64_t>(), r[5].as<std::string>(),
                     r[6].as<std::string>(), absl::FromUnixMicros(r[7].as<int64_t>())});
  }
  return lines;
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

// A text cell (RFC 4180 quoting). Text is user-written (a transfer's reason): a cell starting
// with = + - @ or a tab/CR would run as a formula when the statement opens in a spreadsheet, so
// it gets a leading apostrophe, which spreadsheets show as text.
std::string CsvField(const std::string& raw) {
  const bool formula_like = !raw.empty() && std::string_view("=+-@\t\r").find(raw[0]) !=
                                                  std::string_view::npos;
  const std::string s = formula_like ? "'" + raw : raw;
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace

absl::StatusOr<StatementPage> ListEntries(pqxx::work& tx, const std::string& account, int page_size,
                                          const std::string& cursor) {
  if (page_size < 1 || page_size > 1000) {
    return absl::InvalidArgumentError("page size must be 1-1000");
  }
  int64_t before = INT64_MAX;
  if (!cursor.empty() && (!absl::SimpleAtoi(cursor, &before) || before <= 0)) {
    return absl::InvalidArgumentError("bad cursor");
  }
  StatementPage page;
  // One more than asked tells whether another page exists.
  page.lines = Select(tx, account, before, page_size + 1);
  if (static_cast<int>(page.lines.size()) > page_size) {
    page.lines.pop_back();
    page.next_cursor = std::to_string(page.lines.back().entry_id);
  }
  return page;
}

std::string ExportStatement(pqxx::work& tx, const std::string& account, ExportFormat format) {
  std::vector<StatementLine> lines = Select(tx, account, INT64_MAX, kMaxExportEntries + 1);
  const bool truncated = lines.size() > static_cast<size_t>(kMaxExportEntries);
  if (truncated) lines.pop_back();
  std::string out;
  if (format == ExportFormat::kCsv) {
    out = "entry_id,transaction_id,time,kind,bucket,amount,reason\r\n";
    for (const StatementLine& l : lines) {
      absl::StrAppend(&out, l.entry_id, ",", l.transaction_id, ",", Rfc3339(l.time), ",",
                      CsvField(l.kind), ",", l.bucket, ",", l.amount, ",", CsvField(l.reason),
                      "\r\n");
    }
    return out;
  }
  absl::StrAppend(&out, "{\"accountId\":", JsonString(account),
                  ",\"truncated\":", truncated ? "true" : "false", ",\"entries\":[");
  for (size_t i = 0; i < lines.size(); ++i) {
    const StatementLine& l = lines[i];
    absl::StrAppend(&out, i ? "," : "", "{\"id\":\"", l.entry_id, "\",\"transactionId\":\"",
                    l.transaction_id, "\",\"time\":\"", Rfc3339(l.time),
                    "\",\"kind\":", JsonString(l.kind), ",\"bucket\":", JsonString(l.bucket),
                    ",\"amount\":\"", l.amount, "\",\"reason\":", JsonString(l.reason), "}");
  }
  return out + "]}";
}

}  // namespace datamesh::governance::ledger
