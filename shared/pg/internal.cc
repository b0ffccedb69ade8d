#include "shared/pg/internal.h"

#include <algorithm>
#include <cmath>
#include <pqxx/pqxx>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace datamesh::pg::internal {
namespace {

bool IsUri(const std::string& url) {
  return absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://");
}

std::string PercentEncode(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

// key=value values are single-quoted with backslash escapes (libpq's conninfo syntax).
std::string QuoteConninfoValue(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

// Drops the trailing newline libpq leaves on its messages.
std::string Trimmed(const char* what) {
  std::string s(what);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

DbError FromSqlError(const pqxx::sql_error& e) {
  const std::string& state = e.sqlstate();
  DbError error;
  std::string message = Trimmed(e.what());
  if (!state.empty()) absl::StrAppend(&message, " [SQLSTATE ", state, "]");
  if (!e.query().empty()) absl::StrAppend(&message, " in: ", e.query());
  error.status = absl::Status(CodeForSqlState(state), message);
  // Class 08 (connection exception) and 57P01-57P03 (server shutting down) end the session.
  error.connection_lost = absl::StartsWith(state, "08") || absl::StartsWith(state, "57P0");
  error.retryable = state == "40001" || state == "40P01";
  return error;
}

}  // namespace

std::string BuildConninfo(const std::string& url, const std::string& application_name,
                          absl::Duration connect_timeout) {
  // libpq ignores connect_timeout below 2 s.
  const int64_t timeout_s =
      std::max<int64_t>(2, static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(connect_timeout))));
  const bool has_timeout = absl::StrContains(url, "connect_timeout");
  std::string out = url;
  if (IsUri(url)) {
    char sep = absl::StrContains(url, "?") ? '&' : '?';
    if (!application_name.empty()) {
      absl::StrAppend(&out, std::string(1, sep),
                      "application_name=", PercentEncode(application_name));
      sep = '&';
    }
    if (!has_timeout) absl::StrAppend(&out, std::string(1, sep), "connect_timeout=", timeout_s);
    return out;
  }
  if (!application_name.empty()) {
    absl::StrAppend(&out, " application_name=", QuoteConninfoValue(application_name));
  }
  if (!has_timeout) absl::StrAppend(&out, " connect_timeout=", timeout_s);
  return out;
}

absl::StatusCode CodeForSqlState(const std::string& sqlstate) {
  if (sqlstate == "23505") return absl::StatusCode::kAlreadyExists;
  if (sqlstate == "40001" || sqlstate == "40P01") return absl::StatusCode::kAborted;
  if (sqlstate == "57014") return absl::StatusCode::kDeadlineExceeded;
  if (absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "57P0")) {
    return absl::StatusCode::kUnavailable;
  }
  return absl::StatusCode::kInternal;
}

DbError CurrentDbError() {
  // libpqxx 6.4 puts serialization failures and deadlocks under transaction_rollback, which is
  // not an sql_error, so they are caught by type rather than by SQLSTATE.
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    return {absl::UnavailableError(Trimmed(e.what())), true, false};
  } catch (const pqxx::in_doubt_error& e) {
    return {absl::UnknownError(absl::StrCat("commit outcome unknown: ", Trimmed(e.what()))), true,
            false};
  } catch (const pqxx::statement_completion_unknown& e) {
    return {absl::UnknownError(Trimmed(e.what())), true, false};
  } catch (const pqxx::serialization_failure& e) {
    return {absl::AbortedError(Trimmed(e.what())), false, true};
  } catch (const pqxx::deadlock_detected& e) {
    return {absl::AbortedError(Trimmed(e.what())), false, true};
  } catch (const pqxx::transaction_rollback& e) {
    return {absl::AbortedError(Trimmed(e.what())), false, false};
  } catch (const pqxx::sql_error& e) {
    return FromSqlError(e);
  } catch (const pqxx::pqxx_exception& e) {
    return {absl::InternalError(Trimmed(e.base().what())), false, false};
  }
}

}  // namespace datamesh::pg::internal
