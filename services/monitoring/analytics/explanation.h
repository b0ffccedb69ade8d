// ExplainAlert: which stored series moved most with an alert that just started firing.
//
// The alert's window is [now - W, now], W = max(the rule's `for`, 5 minutes); the baseline the
// four times longer stretch just before it, [now - 5W, now - W). Candidates are the series
// carrying the alert's `service` and `instance` labels first (when it has them), then other
// series in label order, at most `max_candidates` in all; histogram buckets (`_bucket`) are
// left out (their `_count` and `_sum` speak for them). Counters (`_total`, `_count`, `_sum`)
// are compared by their per-second rate between samples (a drop counted as a reset), other
// series by their values. A series needs 2 values in each stretch.
//
// Each candidate's score is |window mean - baseline mean| / max(baseline standard deviation,
// 5 % of |baseline mean|, 1e-9): how many usual wobbles the mean moved. The 5 % floor keeps a
// series that was flat in the baseline from dwarfing all others for a tiny move. The top
// `top` by score (ties: by label order) are returned; series that did not move are not.
//
// Cost: one Select of the same-instance series, one index lookup (FindSeries) of the others,
// and one Select of the chosen others' metric names over 5W: bounded by the candidates, not by
// the store. Thread-safe: the source must allow concurrent Selects.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/monitoring/alerts/alert_state.h"
#include "services/monitoring/promql/series_source.h"

namespace datamesh::monitoring::analytics {

struct ExplainOptions {
  size_t max_candidates = 300;
  size_t top = 3;
  absl::Duration min_window = absl::Minutes(5);
  int baseline_factor = 4;
};

// The window an alert with `for_duration` is explained over.
absl::Duration ExplanationWindow(absl::Duration for_duration, const ExplainOptions& options = {});

// The series that moved most with an alert labelled `alert_labels`, most moved first. The
// source's errors as they come.
absl::StatusOr<std::vector<alerts::SeriesChange>> ExplainAlert(const promql::SeriesSource& source,
                                                               const promql::Labels& alert_labels,
                                                               absl::Duration for_duration,
                                                               absl::Time now,
                                                               const ExplainOptions& options = {});

// The ranking alone, over series already selected (with samples over [now - 5W, now]).
std::vector<alerts::SeriesChange> RankChanges(const std::vector<promql::Series>& candidates,
                                              int64_t window_start_ms, int64_t baseline_start_ms,
                                              size_t top);

}  // namespace datamesh::monitoring::analytics
