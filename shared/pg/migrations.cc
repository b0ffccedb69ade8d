#include "shared/pg/migrations.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <map>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "shared/status/status.h"

namespace datamesh::pg {
namespace {

constexpr size_t kMaxIdentifierLength = 63;  // PostgreSQL's NAMEDATALEN - 1

// The lock key is a pure function of the schema, so every replica of every version agrees on
// it; the prefix keeps it apart from advisory locks taken for other purposes.
int64_t AdvisoryLockKey(std::string_view schema) {
  uint64_t hash = 14695981039346656037ull;  // FNV-1a, 64 bit
  for (std::string_view part : {std::string_view("datamesh.migrations."), schema}) {
    for (unsigned char c : part) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
  }
  return static_cast<int64_t>(hash);
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

absl::Status ValidateMigrations(const std::vector<Migration>& migrations) {
  absl::flat_hash_set<int> versions;
  for (const Migration& m : migrations) {
    if (m.version <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration ", m.name, ": version must be positive"));
    }
    if (m.name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("migration ", m.version, " has no name"));
    }
    if (!versions.insert(m.version).second) {
      return absl::InvalidArgumentError(absl::StrCat("migration version ", m.version, " repeats"));
    }
  }
  return absl::OkStatus();
}

// Holds a session-level advisory lock for its lifetime. Session-level because the run spans
// several transactions; it must then never outlive the run on a pooled connection, so if the
// unlock cannot be sent the connection is closed, which releases the lock, and the pool drops it.
class SessionLock {
 public:
  SessionLock(pqxx::connection& conn, int64_t key) : conn_(conn), key_(key) {
    pqxx::nontransaction tx(conn_);
    tx.exec_params("SELECT pg_advisory_lock($1::bigint)", key_);
  }
  SessionLock(const SessionLock&) = delete;
  SessionLock& operator=(const SessionLock&) = delete;
  ~SessionLock() {
    try {
      pqxx::nontransaction tx(conn_);
      tx.exec_params("SELECT pg_advisory_unlock($1::bigint)", key_);
    } catch (...) {
      conn_.disconnect();
    }
  }

 private:
  pqxx::connection& conn_;
  const int64_t key_;
};

// Returns the quoted name of the schema's migration table, creating schema and table if needed.
std::string EnsureMigrationTable(pqxx::connection& conn, std::string_view schema) {
  const std::string quoted_schema = conn.quote_name(std::string(schema));
  const std::string table = quoted_schema + ".schema_migrations";
  pqxx::work work(conn);
  work.exec0("CREATE SCHEMA IF NOT EXISTS " + quoted_schema);
  work.exec0("CREATE TABLE IF NOT EXISTS " + table +
             " (version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
             " applied_at timestamptz NOT NULL DEFAULT now())");
  work.commit();
  return table;
}

// The migrations still to apply, in version order. Fails before anything is applied when an
// applied migration's SQL no longer matches its recorded checksum.
absl::StatusOr<std::vector<const Migration*>> PendingMigrations(
    pqxx::connection& conn, const std::string& table,
    const std::vector<const Migration*>& ordered) {
  std::map<int, std::string> applied;  // version -> checksum
  {
    pqxx::work work(conn);
    for (const pqxx::row& row : work.exec("SELECT version, checksum FROM " + table)) {
      applied[row[0].as<int>()] = row[1].as<std::string>();
    }
    work.commit();
  }
  std::vector<const Migration*> pending;
  for (const Migration* m : ordered) {
    auto it = applied.find(m->version);
    if (it == applied.end()) {
      pending.push_back(m);
    } else if (it->second != Sha256Hex(m->sql)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "migration ", m->name, " (version ", m->version,
          ") was changed after it was applied; migrations only move forward: add a new one"));
    }
  }
  return pending;
}

void ApplyOne(pqxx::connection& conn, const std::string& table, const Migration& m) {
  pqxx::work work(conn);
  work.exec(m.sql);
  work.exec_params0("INSERT INTO " + table + " (version, name, checksum) VALUES ($1, $2, $3)",
                    m.version, m.name, Sha256Hex(m.sql));
  work.commit();
}

}  // namespace

bool IsValidSchemaName(std::string_view name) {
  if (name.empty() || name.size() > kMaxIdentifierLength) return false;
  if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z'))) return false;
  if (name.substr(0, 3) == "pg_") return false;  // reserved by PostgreSQL for system schemas
  return std::all_of(name.begin(), name.end(), [](char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

absl::Status ApplyMigrations(Pool& pool, std::string_view schema,
                             const std::vector<Migration>& migrations) {
  if (!IsValidSchemaName(schema)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid schema name \"",
                     absl::CHexEscape(absl::string_view(schema.data(), schema.size())), "\""));
  }
  RETURN_IF_ERROR(ValidateMigrations(migrations));
  std::vector<const Migration*> ordered;
  for (const Migration& m : migrations) ordered.push_back(&m);
  std::sort(ordered.begin(), ordered.end(),
            [](const Migration* a, const Migration* b) { return a->version < b->version; });

  const Migration* current = nullptr;  // the one being applied, to name it in an error
  absl::Status status = pool.WithConnection([&](pqxx::connection& conn) -> absl::Status {
    SessionLock lock(conn, AdvisoryLockKey(schema));
    const std::string table = EnsureMigrationTable(conn, schema);
    ASSIGN_OR_RETURN(std::vector<const Migration*> pending,
                     PendingMigrations(conn, table, ordered));
    for (const Migration* m : pending) {
      current = m;
      ApplyOne(conn, table, *m);
    }
    current = nullptr;
    return absl::OkStatus();
  });
  if (!status.ok() && current != nullptr) {
    return absl::Status(status.code(),
                        absl::StrCat("migration ", current->name, ": ", status.message()));
  }
  return status;
}

}  // namespace datamesh::pg
