// The transactional outbox: an event that must follow a database change is written into the
// service's outbox table in the same transaction, then published after commit and removed. A
// crash between commit and publish leaves the row, which the service's outbox worker publishes
// later; events carry their own id, so a publish repeated after a crash is de-duplicated by the
// stream (Bus::PublishDurable).
//
// The table is the service's own, created by its migrations with at least:
//   CREATE TABLE <schema>.outbox (id bigserial PRIMARY KEY, event bytea NOT NULL);
// `table` is that qualified name, a constant of the caller (e.g. "files.outbox"); it is
// checked to be a plain qualified identifier.
//
// Thread safety: as Pool; concurrent drains take disjoint rows (FOR UPDATE SKIP LOCKED).
#pragma once

#include <cstdint>
#include <functional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shared/pg/pool.h"

namespace datamesh::pg {

// Adds serialized `event` to `table` inside `tx`; returns its row id.
int64_t AppendToOutbox(pqxx::work& tx, std::string_view table, const std::string& event);

// Hands up to `limit` events of `table`, oldest first, to `publish`; each published one is
// removed. Stops at the first failed publish (the rest wait for the next drain). Returns how
// many were published.
[[nodiscard]] absl::StatusOr<int> DrainOutbox(
    Pool& pool, std::string_view table, int limit,
    const std::function<absl::Status(const std::string&)>& publish);

// Removes one event published right after its commit.
[[nodiscard]] absl::Status RemoveFromOutbox(Pool& pool, std::string_view table, int64_t id);

}  // namespace datamesh::pg
