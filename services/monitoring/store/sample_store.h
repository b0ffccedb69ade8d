// SampleStore: the monitoring service's time-series store. Samples are appended to in-memory
// head chunks (head_chunks.h), written behind to PostgreSQL as compressed chunks (chunk_table.h)
// by Flush, read back — heads and stored chunks merged — as the PromQL engine's SeriesSource,
// rolled up into coarser resolutions (BuildRollups, rollup_builder.h), and deleted by age per
// resolution (ApplyRetention): raw chunks only once rolled up.
//
// Durability: a sample is in PostgreSQL after the next Flush (the service flushes every
// --flush-interval and at shutdown); a crash loses what arrived since the last one. Queries on
// this replica see its heads at once; other replicas see them after the flush.
//
// Thread-safe: Append, Select and FindSeries may run concurrently with each other and with one
// Flush or ApplyRetention (Flush calls are serialised). The pool must outlive the store.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/monitoring/promql/series_source.h"
#include "services/monitoring/store/chunk_table.h"
#include "services/monitoring/store/head_chunks.h"
#include "services/monitoring/store/rollup_builder.h"
#include "shared/pg/pool.h"

namespace datamesh::monitoring::store {

struct Sample {
  promql::Labels labels;  // sorted, with __name__
  int64_t t_ms = 0;
  double value = 0;
};

// Whether the store can hold a series with these labels: a metric name, and every name and
// value valid UTF-8 without NUL (labels are stored as JSON).
bool ValidLabels(const promql::Labels& labels);

struct AppendCounts {
  uint64_t appended = 0;
  uint64_t duplicates = 0;    // the series' last sample again: ignored
  uint64_t out_of_order = 0;  // at or before the series' last sample: refused
  uint64_t invalid = 0;       // no metric name, or a label holding NUL or invalid UTF-8: refused
};

class SampleStore final : public promql::SeriesSource {
 public:
  struct Options {
    HeadChunks::Options head;
    // Raw chunks whose last sample is older than this are deleted (once rolled up, when
    // there are rollups).
    absl::Duration retention = absl::Hours(15 * 24);
    // Rolled-up resolutions, finest first; none: raw samples only.
    std::vector<RollupResolution> rollups;
    absl::Duration rollup_settle = absl::Minutes(2);
    // What Layout takes as now.
    std::function<absl::Time()> clock = [] { return absl::Now(); };
  };

  // Registers the store's metrics (datamesh_monitoring_*) in `metrics`.
  SampleStore(pg::Pool& pool, Options options, prometheus::Registry& metrics);

  AppendCounts Append(const std::vector<Sample>& samples, absl::Time now);

  // Writes every head that changed and every sealed chunk to PostgreSQL; with `seal_all`
  // (shutdown) seals every head first. On error what was not written is kept for the next call.
  [[nodiscard]] absl::Status Flush(absl::Time now, bool seal_all = false);

  // Rolls up the complete windows not rolled up yet (rollup_builder.h), then re-reads how far
  // the rollups reach (another replica may have built them).
  absl::StatusOr<RollupPass> BuildRollups(absl::Time now);

  // Deletes rollups past their resolution's retention; chunks past the raw retention that are
  // rolled up (all of them when there are no rollups); series left without either.
  absl::StatusOr<RetentionResult> ApplyRetention(absl::Time now);

  absl::StatusOr<std::vector<promql::Series>> Select(
      const std::vector<promql::LabelMatcher>& matchers, int64_t from_ms,
      int64_t to_ms) const override;

  // From the series index and the heads, without reading chunks.
  absl::StatusOr<std::vector<promql::Labels>> FindSeries(
      const std::vector<std::vector<promql::LabelMatcher>>& selectors, int64_t from_ms,
      int64_t to_ms) const override;

  // Each rollup from now - its retention; raw samples from now - the raw retention, or from
  // where the rollups end when that is earlier (raw chunks are deleted only once rolled up, so
  // a builder that is behind leaves the raw samples to answer).
  promql::StorageLayout Layout() const override;

  absl::StatusOr<std::vector<promql::RollupSeries>> SelectRollups(
      const std::vector<promql::LabelMatcher>& matchers, int64_t resolution_ms, int64_t from_ms,
      int64_t to_ms) const override;

  size_t head_series() const { return heads_.num_series(); }

 private:
  absl::StatusOr<std::vector<StoredSeries>> MatchingStored(
      const std::vector<promql::LabelMatcher>& matchers) const;

  const Options options_;
  ChunkTable table_;
  HeadChunks heads_;
  RollupTable rollup_table_;
  RollupBuilder builder_;
  // The rollups' done_until as last read (0: nothing rolled up, or not read yet).
  std::atomic<int64_t> rolled_up_until_{0};
  absl::Mutex flush_mu_;

  prometheus::Counter& appended_;
  prometheus::Counter& refused_out_of_order_;
  prometheus::Counter& refused_invalid_;
  prometheus::Counter& flushes_ok_;
  prometheus::Counter& flushes_failed_;
  prometheus::Counter& chunks_deleted_;
  prometheus::Counter& corrupt_chunks_;
  prometheus::Gauge& head_series_gauge_;
  prometheus::Gauge& unwritten_samples_;
};

}  // namespace datamesh::monitoring::store
