// RollupBuilder: rolls the raw chunks up into every configured resolution, a window at a time,
// in the background (the service runs it every minute), never on the query path.
//
// A window is one interval of the coarsest resolution (an hour by default), so every
// resolution's intervals fall in exactly one window. It is built once it is complete: its end
// at least `settle` in the past, by when every replica has flushed its samples (the service
// gives twice the flush interval plus a scrape interval). Samples that arrive for a window
// already built (imported late, or held by a replica that could not flush) stay raw only.
//
// Idempotent and safe with several replicas: a pass takes the progress row FOR UPDATE SKIP
// LOCKED (a replica that finds it taken skips its turn), reads the window's raw chunks, appends
// the new intervals to each series' rows (an interval already stored is never added again) and
// advances the progress, all in one transaction: a pass that fails leaves nothing behind, and
// the next one does the same window again.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/monitoring/store/rollup_table.h"
#include "shared/pg/pool.h"

namespace datamesh::monitoring::store {

// One rolled-up resolution and how long its intervals are kept.
struct RollupResolution {
  absl::Duration resolution;
  absl::Duration retention;
};

// Parses `--rollups`: "5m:720h,1h:8760h" (resolution:retention, finest first); "" is none.
// Each resolution must be at least 1s, a whole number of seconds, and divide the next; each
// retention must be at least its resolution. INVALID_ARGUMENT says which part is wrong.
absl::StatusOr<std::vector<RollupResolution>> ParseRollups(std::string_view text);

struct RollupPass {
  int64_t windows = 0;  // windows built
  int64_t samples = 0;  // raw samples read
  int64_t points = 0;   // intervals appended, all resolutions
  int64_t done_until_ms = 0;
  bool busy = false;  // another replica held the progress row
};

class RollupBuilder {
 public:
  struct Options {
    std::vector<RollupResolution> resolutions;  // finest first; none: Run does nothing
    absl::Duration settle = absl::Minutes(2);
    // Windows built per Run at most (each its own transaction), so catching up after a long
    // pause is spread over several runs.
    int max_windows = 24;
  };

  RollupBuilder(pg::Pool& pool, Options options);

  // Builds the complete windows not built yet, up to max_windows.
  absl::StatusOr<RollupPass> Run(absl::Time now);

  // Intervals before this time are rolled up in every resolution (0: none).
  absl::StatusOr<int64_t> DoneUntil() const { return table_.DoneUntil(); }

 private:
  // One window in one transaction; false in `*built` when there was none to build.
  absl::Status BuildOne(int64_t complete_before_ms, RollupPass& pass, bool* built);

  pg::Pool& pool_;
  const Options options_;
  RollupTable table_;
};

}  // namespace datamesh::monitoring::store
