#include "services/monitoring/analytics/explanation.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_join.h"
#include "re2/re2.h"
#include "shared/status/status.h"

namespace datamesh::monitoring::analytics {
namespace {

using promql::LabelMatcher;
using promql::Labels;
using promql::MatchType;
using promql::Series;

std::string_view NameOf(const Labels& labels) {
  return promql::GetLabel(labels, promql::kMetricNameLabel);
}

bool IsCounter(std::string_view name) {
  return name.ends_with("_total") || name.ends_with("_count") || name.ends_with("_sum");
}

// Buckets repeat what _count and _sum say, once per bound; ALERTS is the alerts themselves.
bool Skipped(const Labels& labels) {
  const std::string_view name = NameOf(labels);
  return name.ends_with("_bucket") || name == "ALERTS" || name == "ALERTS_FOR_STATE";
}

// The values compared: the samples, or a counter's per-second rate between samples (at the
// later sample's time). Staleness markers and other NaNs are skipped.
std::vector<promql::SamplePoint> Values(const Series& s, bool rate) {
  std::vector<promql::SamplePoint> out;
  const promql::SamplePoint* prev = nullptr;
  for (const promql::SamplePoint& p : s.samples) {
    if (!std::isfinite(p.v)) continue;
    if (!rate) {
      out.push_back(p);
    } else if (prev != nullptr && p.t > prev->t) {
      const double increase = p.v >= prev->v ? p.v - prev->v : p.v;  // a drop is a reset
      out.push_back({p.t, increase / (static_cast<double>(p.t - prev->t) / 1000)});
    }
    prev = &p;
  }
  return out;
}

struct Moments {
  size_t n = 0;
  double mean = 0;
  double sd = 0;  // population standard deviation
};

Moments Of(const std::vector<promql::SamplePoint>& v, int64_t from, int64_t to) {
  Moments m;
  double sum = 0, sq = 0;
  for (const promql::SamplePoint& p : v) {
    if (p.t < from || p.t > to) continue;
    ++m.n;
    sum += p.v;
  }
  if (m.n == 0) return m;
  m.mean = sum / static_cast<double>(m.n);
  for (const promql::SamplePoint& p : v) {
    if (p.t >= from && p.t <= to) sq += (p.v - m.mean) * (p.v - m.mean);
  }
  m.sd = std::sqrt(sq / static_cast<double>(m.n));
  return m;
}

absl::StatusOr<LabelMatcher> Equal(std::string name, std::string value) {
  return LabelMatcher::Make(MatchType::kEqual, std::move(name), std::move(value));
}

// The series of the alert's own service and instance.
absl::StatusOr<std::vector<Series>> SameInstance(const promql::SeriesSource& source,
                                                 const Labels& alert, int64_t from, int64_t to) {
  std::vector<LabelMatcher> matchers;
  for (const char* name : {"service", "instance"}) {
    const std::string_view value = promql::GetLabel(alert, name);
    if (value.empty()) continue;
    ASSIGN_OR_RETURN(LabelMatcher m, Equal(name, std::string(value)));
    matchers.push_back(std::move(m));
  }
  if (matchers.empty()) return std::vector<Series>{};
  return source.Select(matchers, from, to);
}

// Up to `room` other series, in label order, read in one Select of their metric names.
absl::StatusOr<std::vector<Series>> Others(const promql::SeriesSource& source,
                                           const std::set<std::string>& taken, size_t room,
                                           int64_t from, int64_t to) {
  if (room == 0) return std::vector<Series>{};
  ASSIGN_OR_RETURN(
      LabelMatcher any,
      LabelMatcher::Make(MatchType::kRegexMatch, std::string(promql::kMetricNameLabel), ".+"));
  ASSIGN_OR_RETURN(std::vector<Labels> all, source.FindSeries({{any}}, from, to));
  std::set<std::string> chosen, names;
  for (const Labels& l : all) {
    if (chosen.size() >= room) break;
    const std::string key = promql::LabelsKey(l);
    if (Skipped(l) || taken.contains(key)) continue;
    chosen.insert(key);
    names.insert(RE2::QuoteMeta(std::string(NameOf(l))));
  }
  if (chosen.empty()) return std::vector<Series>{};
  ASSIGN_OR_RETURN(LabelMatcher by_name,
                   LabelMatcher::Make(MatchType::kRegexMatch, std::string(promql::kMetricNameLabel),
                                      absl::StrJoin(names, "|")));
  ASSIGN_OR_RETURN(std::vector<Series> selected, source.Select({by_name}, from, to));
  std::vector<Series> out;
  for (Series& s : selected) {
    if (chosen.contains(promql::LabelsKey(s.labels))) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

absl::Duration ExplanationWindow(absl::Duration for_duration, const ExplainOptions& options) {
  return std::max(for_duration, options.min_window);
}

std::vector<alerts::SeriesChange> RankChanges(const std::vector<Series>& candidates,
                                              int64_t window_start_ms, int64_t baseline_start_ms,
                                              size_t top) {
  std::vector<alerts::SeriesChange> out;
  for (const Series& s : candidates) {
    if (Skipped(s.labels)) continue;
    const bool rate = IsCounter(NameOf(s.labels));
    const std::vector<promql::SamplePoint> v = Values(s, rate);
    const Moments base = Of(v, baseline_start_ms, window_start_ms - 1);
    const Moments win = Of(v, window_start_ms, INT64_MAX);
    if (base.n < 2 || win.n < 2) continue;
    const double delta = win.mean - base.mean;
    if (delta == 0) continue;
    alerts::SeriesChange c;
    c.labels = s.labels;
    c.baseline_mean = base.mean;
    c.window_mean = win.mean;
    c.change_ratio = base.mean == 0 ? std::nan("") : delta / std::fabs(base.mean);
    c.score = std::fabs(delta) / std::max({base.sd, 0.05 * std::fabs(base.mean), 1e-9});
    c.rate = rate;
    out.push_back(std::move(c));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.labels < b.labels;
  });
  if (out.size() > top) out.resize(top);
  return out;
}

absl::StatusOr<std::vector<alerts::SeriesChange>> ExplainAlert(const promql::SeriesSource& source,
                                                               const Labels& alert_labels,
                                                               absl::Duration for_duration,
                                                               absl::Time now,
                                                               const ExplainOptions& options) {
  const absl::Duration window = ExplanationWindow(for_duration, options);
  const int64_t to = absl::ToUnixMillis(now);
  const int64_t window_start = absl::ToUnixMillis(now - window);
  const int64_t baseline_start = absl::ToUnixMillis(now - (1 + options.baseline_factor) * window);
  ASSIGN_OR_RETURN(std::vector<Series> candidates,
                   SameInstance(source, alert_labels, baseline_start, to));
  std::erase_if(candidates, [](const Series& s) { return Skipped(s.labels); });
  if (candidates.size() > options.max_candidates) candidates.resize(options.max_candidates);
  std::set<std::string> taken;
  for (const Series& s : candidates) taken.insert(promql::LabelsKey(s.labels));
  ASSIGN_OR_RETURN(
      std::vector<Series> others,
      Others(source, taken, options.max_candidates - candidates.size(), baseline_start, to));
  for (Series& s : others) candidates.push_back(std::move(s));
  return RankChanges(candidates, window_start, baseline_start, options.top);
}

}  // namespace datamesh::monitoring::analytics
