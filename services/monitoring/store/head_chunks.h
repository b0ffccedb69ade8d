// HeadChunks: the open ("head") chunk of every series this replica appends to, in memory, and
// the sealed chunks not yet written to PostgreSQL.
//
// Life of a chunk: samples are appended to the series' head; the store writes the head's bytes
// behind every flush (a row inserted the first time, rewritten in place later), so a crash loses
// only what arrived since the last flush; a head holding Options::max_samples samples, or open
// longer than Options::max_age, is sealed — its last bytes are written once more and a new head
// starts. A series that received nothing for max_age is forgotten.
//
// The flush protocol: CollectWrites() hands out every chunk whose bytes changed since its last
// write; the caller writes them and returns them through Finish() with `written` set, and the
// heads learn their row ids. A sealed chunk whose write failed is kept and handed out again.
//
// Thread-safe: every method may be called concurrently (one mutex). Only one flush (Collect ...
// Finish) may be in progress at a time.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/monitoring/chunks/chunk_codec.h"
#include "services/monitoring/promql/series_source.h"

namespace datamesh::monitoring::store {

// One chunk's bytes on their way to PostgreSQL.
struct ChunkWrite {
  std::string key;  // promql::LabelsKey(labels)
  promql::Labels labels;
  int64_t series_id = 0;  // 0: the series row is not known yet
  int64_t row_id = 0;     // 0: not written yet (insert); else the row to rewrite
  int64_t min_time = 0;
  int64_t max_time = 0;
  uint32_t samples = 0;
  std::string data;  // the sealed chunk bytes
  uint64_t generation = 0;
  bool sealed = false;   // the chunk's final bytes: no sample will be added
  bool written = false;  // set by the writer on success
};

enum class AppendOutcome {
  kAppended,
  kDuplicate,   // the series' last sample again (same time, same value bits): ignored
  kOutOfOrder,  // at or before the series' last sample: refused
};

// What the heads hold of one series for a query.
struct HeadSeries {
  promql::Labels labels;
  int64_t series_id = 0;
  // Rows whose bytes are a prefix of what the heads hold: a reader skips them.
  std::vector<int64_t> superseded_rows;
  std::vector<promql::SamplePoint> samples;  // ascending
};

class HeadChunks {
 public:
  struct Options {
    // 480 samples (2 hours at 15 s) spread a chunk row's overhead (about 70 bytes of tuple
    // header, ids, times and item pointer, and its index entries) thinly: docs/PERFORMANCE.md.
    uint32_t max_samples = 480;
    absl::Duration max_age = absl::Hours(2);
  };

  explicit HeadChunks(Options options) : options_(options) {}

  // `labels` must be sorted and include __name__.
  AppendOutcome Append(const promql::Labels& labels, int64_t t_ms, double value, absl::Time now);

  // Seals heads that are due (or all with `seal_all`, at shutdown), forgets idle series, and
  // returns every chunk to write.
  std::vector<ChunkWrite> CollectWrites(absl::Time now, bool seal_all);

  // Takes back what CollectWrites handed out: written heads remember their row and how much of
  // them is stored; unwritten sealed chunks wait for the next flush. Series ids found by the
  // writer are remembered even when the chunk write failed.
  void Finish(std::vector<ChunkWrite> writes);

  // Heads and unwritten sealed chunks of series matching `matchers`, samples in [from, to].
  std::vector<HeadSeries> Select(const std::vector<promql::LabelMatcher>& matchers, int64_t from_ms,
                                 int64_t to_ms) const;

  size_t num_series() const;
  // Samples in heads and sealed chunks not yet written.
  uint64_t unwritten_samples() const;

 private:
  struct Head {
    promql::Labels labels;
    int64_t series_id = 0;
    chunks::ChunkWriter writer;
    int64_t min_time = 0;
    int64_t last_time = 0;  // of the series, across chunks; valid when has_last
    uint64_t last_bits = 0;
    bool has_last = false;
    int64_t row_id = 0;
    uint32_t written = 0;  // samples of this chunk already stored
    uint64_t generation = 0;
    absl::Time opened;
    absl::Time last_append;
  };

  void Seal(const std::string& key, Head& head) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static ChunkWrite Snapshot(const std::string& key, const Head& head);

  const Options options_;
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, Head> heads_ ABSL_GUARDED_BY(mu_);
  std::vector<ChunkWrite> sealed_ ABSL_GUARDED_BY(mu_);
  uint64_t next_generation_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace datamesh::monitoring::store
