// The read-only seam between the PromQL engine and wherever samples live: the PostgreSQL chunk
// store in the service, an in-memory source in tests (memory_series_source.h).
//
// Implementations must be safe to call from several queries at once.
#pragma once

#include <cstdint>
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

struct SamplePoint {
  int64_t t = 0;  // milliseconds since the Unix epoch
  double v = 0;
};

struct Series {
  Labels labels;                     // with __name__
  std::vector<SamplePoint> samples;  // ascending timestamps
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
};

}  // namespace datamesh::monitoring::promql
