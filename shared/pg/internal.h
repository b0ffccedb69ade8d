// Pieces of the pool that need no server, kept apart so they can be tested alone:
// conninfo assembly and the mapping of libpqxx exceptions to statuses.
//
// Not part of the public API of shared/pg. Stateless; thread-safe.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace datamesh::pg::internal {

// Adds application_name (when non-empty) and connect_timeout (when `url` has none) to a URI
// ("postgresql://...") or key=value conninfo, quoting them as each form requires.
std::string BuildConninfo(const std::string& url, const std::string& application_name,
                          absl::Duration connect_timeout);

// What a libpqxx exception means for the caller and for the connection it came from.
struct DbError {
  absl::Status status;
  bool connection_lost = false;  // the connection must not be reused
  bool retryable = false;        // the transaction may succeed if run again
};

// Call only inside a catch block: classifies the exception being handled. Exceptions that are
// not libpqxx's are rethrown unchanged.
DbError CurrentDbError();

// The status for a PostgreSQL SQLSTATE code (e.g. "23505" -> ALREADY_EXISTS).
absl::StatusCode CodeForSqlState(const std::string& sqlstate);

}  // namespace datamesh::pg::internal
