// Forward-only schema migrations for a service's own PostgreSQL schema.
//
// A service owns one schema (ARCHITECTURE.md §1) and ships its migrations inside its binary,
// usually generated from migrations/NNNN_name.sql by datamesh_sql_migrations() in CMake. Every
// replica calls ApplyMigrations at start; a PostgreSQL advisory lock makes replicas that start
// together take turns, so each migration runs exactly once.
//
// Writing a migration:
//  - Plain SQL, one or more statements, naming its schema explicitly (`CREATE TABLE auth.users
//    (...)`): the search_path is not changed.
//  - It runs inside a transaction, so no BEGIN/COMMIT and nothing that refuses a transaction
//    (CREATE INDEX CONCURRENTLY, VACUUM).
//  - Once released it is never edited: its checksum is recorded and a changed one stops the
//    service. Changes go into a new migration with a higher version.
//  - Keep it compatible with the previous release's code, which may still be running during a
//    rolling update. Versions recorded in the database but unknown to the binary are ignored for
//    that reason.
//
// Thread safety: ApplyMigrations may run concurrently, in any number of threads or processes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "shared/pg/pool.h"

namespace datamesh::pg {

// An aggregate, so generated code can write {1, "0001_init", R"(...)"}.
struct Migration {
  int version;       // positive, unique within a schema; applied in ascending order
  std::string name;  // e.g. "0001_init", recorded for people reading schema_migrations
  std::string sql;
};

// Applies, in version order, every migration not yet recorded in <schema>.schema_migrations,
// each in its own transaction together with its record (version, name, SHA-256 checksum,
// applied_at). Creates the schema and that table when missing. The whole run holds a session
// advisory lock derived from the schema name.
//
// INVALID_ARGUMENT: `schema` is not a valid schema name (IsValidSchemaName), or a
//   version is not positive, repeated, or a name is empty; nothing is touched.
// FAILED_PRECONDITION: an applied migration's SQL changed (checked before anything is applied).
// A migration whose SQL fails is rolled back and not recorded; the status is the pool's mapping
// of the SQL error, its message prefixed with the migration's name. Migrations before it stay.
[[nodiscard]] absl::Status ApplyMigrations(Pool& pool, std::string_view schema,
                                           const std::vector<Migration>& migrations);

// Whether `name` is acceptable as a schema name: ^[a-z_][a-z0-9_]*$, at most 63 characters,
// and not starting with "pg_" (PostgreSQL keeps that prefix for itself).
bool IsValidSchemaName(std::string_view name);

}  // namespace datamesh::pg
