// AuditStore: what audits read and write in PostgreSQL (schema `files`): a random stored
// segment, a segment's current layout, the audit results' events (files.outbox), and the
// storage nodes governance disqualified (files.disqualified_nodes, migration 0005).
//
// Thread-safe: each call leases its own pooled connection.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/file-ingest/repair.h"  // SegmentLayout
#include "shared/pg/pool.h"

namespace datamesh::file_ingest {

inline constexpr char kFilesOutbox[] = "files.outbox";

class AuditStore {
 public:
  explicit AuditStore(pg::Pool& pool) : pool_(pool) {}

  // A segment drawn at random among those whose shards are all `stored`; nullopt when there is
  // none. Sampling reads a block sample of about 2,000 rows (TABLESAMPLE SYSTEM sized from the
  // planner's row estimate), not the whole table, so each audit costs the same however many
  // segments exist; every segment is equally likely in expectation.
  [[nodiscard]] absl::StatusOr<std::optional<SegmentLayout>> SampleSegment();

  // The segment's current layout (with its content's codec and shape); nullopt when it is gone.
  [[nodiscard]] absl::StatusOr<std::optional<SegmentLayout>> Layout(const std::string& content_id,
                                                                    uint64_t segment_index);

  // Appends serialized events to files.outbox in one transaction; their row ids.
  [[nodiscard]] absl::StatusOr<std::vector<int64_t>> AppendEvents(
      const std::vector<std::string>& events);
  [[nodiscard]] absl::Status RemoveEvent(int64_t id);

  // Records that governance disqualified `node_id` (idempotent).
  [[nodiscard]] absl::Status AddDisqualified(const std::string& node_id, const std::string& reason);
  [[nodiscard]] absl::StatusOr<std::set<std::string>> Disqualified();

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::file_ingest
