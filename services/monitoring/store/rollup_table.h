// RollupTable: the SQL of the rollups — monitoring.rollups and monitoring.rollup_progress
// (migrations/0007_rollups.sql). The statements of one build pass take the caller's
// transaction, so the pass and its progress commit together.
//
// Thread-safe: the methods without a transaction run on their own pooled connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shared/pg/pool.h"

namespace datamesh::monitoring::store {

// One stored row: a series' intervals of one resolution starting at or after min_time.
struct RollupRow {
  int64_t series_id = 0;
  int64_t resolution_ms = 0;
  int64_t min_time = 0;
  int64_t max_time = 0;  // its last interval's start
  int32_t points = 0;
  std::string data;  // rollup_points.h
};

class RollupTable {
 public:
  explicit RollupTable(pg::Pool& pool) : pool_(pool) {}

  // The progress row, locked until `tx` ends; none when another transaction holds it (another
  // replica is building).
  static std::optional<int64_t> LockProgress(pqxx::work& tx);
  static void SetProgress(pqxx::work& tx, int64_t done_until_ms);
  // The earliest raw sample time stored, if any.
  static std::optional<int64_t> EarliestChunk(pqxx::work& tx);
  // (series id, chunk bytes) of every chunk overlapping [from_ms, to_ms), by series then time.
  static std::vector<std::pair<int64_t, std::string>> ChunksIn(pqxx::work& tx, int64_t from_ms,
                                                               int64_t to_ms);
  // The stored rows with these keys (series, resolution, min_time), those that exist.
  static std::vector<RollupRow> ReadRows(pqxx::work& tx, const std::vector<RollupRow>& keys);
  // Inserts the rows, or replaces the stored ones with the same key, when the series row still
  // exists.
  static void WriteRows(pqxx::work& tx, const std::vector<RollupRow>& rows);

  absl::StatusOr<int64_t> DoneUntil() const;

  // Rows of `series_ids` at `resolution_ms` holding intervals that start in [from_ms, to_ms],
  // by series then time.
  absl::StatusOr<std::vector<RollupRow>> Read(const std::vector<int64_t>& series_ids,
                                              int64_t resolution_ms, int64_t from_ms,
                                              int64_t to_ms) const;

  // Deletes the rows at `resolution_ms` whose last interval ended before `cutoff_ms`.
  absl::StatusOr<int64_t> DeleteBefore(int64_t resolution_ms, int64_t cutoff_ms);

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::monitoring::store
