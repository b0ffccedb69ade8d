// ChunkTable: the SQL of the series store — monitoring.series and monitoring.chunks
// (migrations/0002_series_and_chunks.sql). Batches travel as array parameters, so a flush of a
// few thousand heads is a handful of statements.
//
// A series row is found by the SHA-256 of its label set (SeriesHash), so every replica finds
// or creates the same row. Errors are the pool's (UNAVAILABLE, DEADLINE_EXCEEDED, ...).
//
// Thread-safe: every method runs on its own pooled connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/monitoring/promql/labels.h"
#include "services/monitoring/store/head_chunks.h"
#include "shared/pg/pool.h"

namespace datamesh::monitoring::store {

// SHA-256 over each label's name and value, each followed by a NUL, in label order. Labels
// must hold no NUL (the store refuses such samples).
std::string SeriesHash(const promql::Labels& labels);

// What SQL can narrow a series lookup by: the metric name and label values that must be equal.
// Other matchers are applied by the caller.
struct SeriesFilter {
  std::optional<std::string> metric_name;
  std::vector<promql::Label> equal_labels;  // never __name__
};

struct StoredSeries {
  int64_t id = 0;
  promql::Labels labels;  // with __name__
};

struct StoredChunk {
  int64_t id = 0;
  int64_t series_id = 0;
  std::string data;
};

struct RetentionResult {
  int64_t chunks_deleted = 0;
  int64_t series_deleted = 0;
  int64_t rollups_deleted = 0;  // rollup rows
};

class ChunkTable {
 public:
  explicit ChunkTable(pg::Pool& pool) : pool_(pool) {}

  // Finds or creates the series of every write with series_id 0 and sets it (for every write
  // of that series).
  [[nodiscard]] absl::Status ResolveSeries(std::vector<ChunkWrite>& writes);

  // Inserts chunks with row_id 0, rewrites the others, in one transaction; on success sets
  // row_id and `written` of each stored write. A write whose series row has disappeared
  // (retention removed it) is left unwritten with series_id 0, to be resolved again.
  [[nodiscard]] absl::Status WriteChunks(std::vector<ChunkWrite>& writes);

  absl::StatusOr<std::vector<StoredSeries>> FindSeries(const SeriesFilter& filter) const;

  // Chunks of `series_ids` overlapping [from_ms, to_ms], by series then time.
  absl::StatusOr<std::vector<StoredChunk>> ReadChunks(const std::vector<int64_t>& series_ids,
                                                      int64_t from_ms, int64_t to_ms) const;

  // Which of `series_ids` have a chunk overlapping [from_ms, to_ms].
  absl::StatusOr<std::vector<int64_t>> SeriesWithChunksIn(const std::vector<int64_t>& series_ids,
                                                          int64_t from_ms, int64_t to_ms) const;

  // Deletes chunks that ended before `cutoff_ms`, and series left without chunks or rollups that
  // were created more than `series_grace` ago (a younger one may belong to a head not written
  // yet).
  absl::StatusOr<RetentionResult> DeleteBefore(int64_t cutoff_ms, absl::Duration series_grace);

 private:
  pg::Pool& pool_;
};

}  // namespace datamesh::monitoring::store
