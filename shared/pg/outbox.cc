#include "shared/pg/outbox.h"

#include <stdexcept>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "shared/status/status.h"

namespace datamesh::pg {
namespace {

// The table name is spliced into SQL, so only "schema.table" of [a-z0-9_] is accepted; it is
// always a constant of the calling service, so a bad one is a programming error.
std::string CheckedTable(std::string_view table) {
  bool ok = !table.empty() && table.find('.') != std::string_view::npos;
  for (char c : table) {
    ok = ok && (absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' || c == '.');
  }
  if (!ok) throw std::invalid_argument("bad outbox table name: " + std::string(table));
  return std::string(table);
}

}  // namespace

int64_t AppendToOutbox(pqxx::work& tx, std::string_view table, const std::string& event) {
  return tx
      .exec_params1(
          absl::StrCat("INSERT INTO ", CheckedTable(table), " (event) VALUES ($1) RETURNING id"),
          pqxx::binarystring(event))[0]
      .as<int64_t>();
}

absl::StatusOr<int> DrainOutbox(Pool& pool, std::string_view table, int limit,
                                const std::function<absl::Status(const std::string&)>& publish) {
  const std::string name = CheckedTable(table);
  int done = 0;
  RETURN_IF_ERROR(pool.Transact([&](pqxx::work& w) {
    done = 0;
    pqxx::result r = w.exec_params(absl::StrCat("SELECT id, event FROM ", name,
                                                " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"),
                                   limit);
    for (const pqxx::row& row : r) {
      if (!publish(pqxx::binarystring(row[1]).str()).ok()) break;
      w.exec_params(absl::StrCat("DELETE FROM ", name, " WHERE id = $1"), row[0].as<int64_t>());
      ++done;
    }
    return absl::OkStatus();
  }));
  return done;
}

absl::Status RemoveFromOutbox(Pool& pool, std::string_view table, int64_t id) {
  const std::string name = CheckedTable(table);
  return pool.Transact([&](pqxx::work& w) {
    w.exec_params(absl::StrCat("DELETE FROM ", name, " WHERE id = $1"), id);
    return absl::OkStatus();
  });
}

}  // namespace datamesh::pg
