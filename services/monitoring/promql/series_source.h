// The read-only seam between the PromQL engine and wherever samples live: the PostgreSQL chunk
// store in the service, an in-memory source in tests (memory_series_source.h).
//
// Implementations must be safe to call from several queries at once.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/monitoring/promql/labels.h"

namespace re2 {
class RE2;
}

namespace datamesh::monitoring::promql {

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

// One `name op "value"` of a selector. Regular expressions are RE2, anchored at both ends as
// Prometheus anchors them. Cheap to copy (the compiled expression is shared).
class LabelMatcher {
 public:
  // INVALID_ARGUMENT when a regular expression does not compile.
  static absl::StatusOr<LabelMatcher> Make(MatchType type, std::string name, std::string value);

  // Whether a series whose label `name` has `value` ("" when absent) matches.
  bool Matches(std::string_view value) const;

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

 private:
  LabelMatcher(MatchType type, std::string name, std::string value,
               std::shared_ptr<const re2::RE2> regex);
  MatchType type_;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> regex_;
};

// True when `labels` satisfies every matcher.
bool MatchesAll(const std::vector<LabelMatcher>& matchers, const Labels& labels);

// Prometheus' staleness marker (value.StaleNaN): a value that ends a series, not a sample.
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ull;
inline bool IsStaleMarker(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }
inline double StaleMarker() { return std::bit_cast<double>(kStaleNaNBits); }

struct SamplePoint {
  int64_t t = 0;  // milliseconds since the Unix epoch
  double v = 0;
};

struct Series {
  Labels labels;                     // with __name__
  std::vector<SamplePoint> samples;  // ascending timestamps
};

// One interval of a series at a rolled-up resolution (store/rollup_points.h builds them): the
// aggregates of the raw samples whose time lies in [t, t + resolution), staleness markers left
// out. `first`/`last` and `correction` let rate and increase be computed across resets without
// the raw samples: the counter's increase inside the interval is last - first + correction.
struct RollupPoint {
  int64_t t = 0;  // the interval's start, a multiple of the resolution
  double count = 0, sum = 0, min = 0, max = 0;
  double first = 0, last = 0;
  double correction = 0;            // the sum of the values just before each drop (a counter reset)
  int64_t first_t = 0, last_t = 0;  // the first and last sample's times
};

struct RollupSeries {
  Labels labels;                    // with __name__
  std::vector<RollupPoint> points;  // ascending t
};

// Which resolutions a source keeps and how far back: raw samples from `raw_since_ms` on, each
// rollup from its `since_ms`. The engine reads raw samples for windows that start at or after
// raw_since_ms, rollups before (promql/rollup_eval.h).
struct StorageLayout {
  struct Rollup {
    int64_t resolution_ms = 0;
    int64_t since_ms = 0;
  };
  int64_t raw_since_ms = std::numeric_limits<int64_t>::min();
  std::vector<Rollup> rollups;  // finest first
};

class SeriesSource {
 public:
  virtual ~SeriesSource() = default;

  // Every series that satisfies all `matchers`, with its samples whose timestamps lie in
  // [from_ms, to_ms] (both included; staleness markers included as they were stored). Series
  // with no sample in the range may be left out. Errors are the store's (UNAVAILABLE, ...).
  virtual absl::StatusOr<std::vector<Series>> Select(const std::vector<LabelMatcher>& matchers,
                                                     int64_t from_ms, int64_t to_ms) const = 0;

  // The label sets, sorted and without repeats, of the series that satisfy all matchers of at
  // least one of `selectors` and have a sample in [from_ms, to_ms] (the Prometheus API's
  // /series, /labels and /label/<name>/values). The default selects the samples as well; a
  // store with an index overrides it.
  virtual absl::StatusOr<std::vector<Labels>> FindSeries(
      const std::vector<std::vector<LabelMatcher>>& selectors, int64_t from_ms,
      int64_t to_ms) const;

  // The resolutions kept, as of now. The default: raw samples only, for all time.
  virtual StorageLayout Layout() const { return {}; }

  // The rollup points at `resolution_ms` (one of Layout's) of every series that satisfies all
  // `matchers`, whose interval starts lie in [from_ms, to_ms]. The default has none.
  virtual absl::StatusOr<std::vector<RollupSeries>> SelectRollups(
      const std::vector<LabelMatcher>& matchers, int64_t resolution_ms, int64_t from_ms,
      int64_t to_ms) const;
};

}  // namespace datamesh::monitoring::promql
