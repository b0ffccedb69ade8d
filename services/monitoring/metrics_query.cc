#include "services/monitoring/metrics_query.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "absl/strings/match.h"
#include "services/monitoring/promql/rollup_eval.h"
#include "shared/status/status.h"

namespace datamesh::monitoring {
namespace {

using promql::LabelMatcher;
using promql::MatchType;

constexpr int64_t kMaxPoints = 11'000;

bool IsStale(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits == 0x7ff0000000000002ull;
}

// `text` as a regular expression matching exactly it: ASCII punctuation escaped (RE2 reads
// any escaped punctuation as itself); other bytes stand for themselves.
std::string QuoteRegex(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && std::ispunct(u) && c != '_') out += '\\';
    out += c;
  }
  return out;
}

absl::StatusOr<std::vector<LabelMatcher>> Matchers(
    MatchType name_type, const std::string& name,
    const std::map<std::string, std::string>& labels) {
  std::vector<LabelMatcher> out;
  ASSIGN_OR_RETURN(LabelMatcher m, LabelMatcher::Make(name_type, "__name__", name));
  out.push_back(std::move(m));
  for (const auto& [k, v] : labels) {
    ASSIGN_OR_RETURN(LabelMatcher l, LabelMatcher::Make(MatchType::kEqual, k, v));
    out.push_back(std::move(l));
  }
  return out;
}

// What one series' samples in one step come to.
struct StepAccumulator {
  int64_t count = 0;
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double last = 0;
  double increase = 0;
  bool has_increase = false;

  void Add(double v) {
    ++count;
    sum += v;
    min = std::min(min, v);
    max = std::max(max, v);
    last = v;
  }
};

std::optional<double> StepValue(const StepAccumulator& a, StepAggregation agg, int64_t step_ms) {
  switch (agg) {
    case StepAggregation::kAvg: return a.count > 0 ? std::optional(a.sum / a.count) : std::nullopt;
    case StepAggregation::kMin: return a.count > 0 ? std::optional(a.min) : std::nullopt;
    case StepAggregation::kMax: return a.count > 0 ? std::optional(a.max) : std::nullopt;
    case StepAggregation::kSum: return a.count > 0 ? std::optional(a.sum) : std::nullopt;
    case StepAggregation::kLast: return a.count > 0 ? std::optional(a.last) : std::nullopt;
    case StepAggregation::kRate:
      return a.has_increase ? std::optional(a.increase / (step_ms / 1000.0)) : std::nullopt;
  }
  return std::nullopt;
}

using Steps = std::map<int64_t, StepAccumulator>;

// One series' rollup intervals starting in [from, until) into its steps: the interval's
// aggregates, and its increase from the interval before it (resets counted as in raw samples).
void AddRollupSteps(const std::vector<promql::RollupPoint>& points, const StepQuery& q,
                    int64_t until, Steps& steps) {
  const promql::RollupPoint* prev = nullptr;
  for (const promql::RollupPoint& p : points) {
    if (p.t >= q.from_ms && p.t < until) {
      StepAccumulator& a = steps[(p.t - q.from_ms) / q.step_ms];
      a.count += static_cast<int64_t>(p.count);
      a.sum += p.sum;
      a.min = std::min(a.min, p.min);
      a.max = std::max(a.max, p.max);
      a.last = p.last;
      if (prev != nullptr || p.count >= 2) {
        a.increase += p.last - p.first + p.correction;
        if (prev != nullptr) a.increase += p.first >= prev->last ? p.first - prev->last : p.first;
        a.has_increase = true;
      }
    }
    prev = &p;
  }
}

// One series' raw samples from `since` on into its steps.
void AddSampleSteps(const std::vector<promql::SamplePoint>& samples, const StepQuery& q,
                    int64_t since, Steps& steps) {
  const promql::SamplePoint* prev = nullptr;
  for (const promql::SamplePoint& p : samples) {
    if (IsStale(p.v)) {
      prev = nullptr;  // the series ended: no increase across the gap
      continue;
    }
    if (p.t >= std::max(q.from_ms, since) && p.t < q.to_ms) {
      StepAccumulator& a = steps[(p.t - q.from_ms) / q.step_ms];
      a.Add(p.v);
      if (prev != nullptr) {
        a.increase += p.v >= prev->v ? p.v - prev->v : p.v;  // a drop is a counter reset
        a.has_increase = true;
      }
    }
    prev = &p;
  }
}

// Per step index, the value of one series.
std::map<int64_t, double> StepValues(const Steps& steps, const StepQuery& q) {
  std::map<int64_t, double> out;
  for (const auto& [index, a] : steps) {
    if (std::optional<double> v = StepValue(a, q.aggregation, q.step_ms)) out[index] = *v;
  }
  return out;
}

struct GroupAccumulator {
  int64_t count = 0;
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
};

double GroupValue(const GroupAccumulator& g, StepAggregation agg) {
  switch (agg) {
    case StepAggregation::kAvg: return g.sum / g.count;
    case StepAggregation::kMin: return g.min;
    case StepAggregation::kMax: return g.max;
    default: return g.sum;
  }
}

promql::MatrixSeries ToPoints(promql::Labels labels, const std::map<int64_t, double>& steps,
                              const StepQuery& q) {
  promql::MatrixSeries out{std::move(labels), {}};
  for (const auto& [index, v] : steps) {
    if (std::isfinite(v)) out.points.push_back({q.from_ms + index * q.step_ms, v});
  }
  return out;
}

absl::Status Check(const StepQuery& q) {
  if (q.name.empty()) return absl::InvalidArgumentError("a metric name is required");
  if (q.from_ms > q.to_ms) return absl::InvalidArgumentError("from is after to");
  if (q.step_ms <= 0) return absl::InvalidArgumentError("step must be positive");
  if ((q.to_ms - q.from_ms) / q.step_ms > kMaxPoints) {
    return absl::InvalidArgumentError(
        "more than 11,000 points per series: choose a larger step or a shorter range");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<promql::Vector> LatestValues(const promql::SeriesSource& source,
                                            const std::string& name_prefix,
                                            const std::map<std::string, std::string>& labels,
                                            absl::Time now) {
  ASSIGN_OR_RETURN(std::vector<LabelMatcher> matchers,
                   Matchers(MatchType::kRegexMatch, QuoteRegex(name_prefix) + ".*", labels));
  const int64_t now_ms = absl::ToUnixMillis(now);
  ASSIGN_OR_RETURN(
      std::vector<promql::Series> series,
      source.Select(matchers, now_ms - absl::ToInt64Milliseconds(kSnapshotLookback), now_ms));
  promql::Vector out;
  for (promql::Series& s : series) {
    if (s.samples.empty() || IsStale(s.samples.back().v)) continue;
    out.push_back({std::move(s.labels), s.samples.back().v});
  }
  std::sort(out.begin(), out.end(),
            [](const promql::VectorSample& a, const promql::VectorSample& b) {
              const std::string_view na = promql::GetLabel(a.labels, promql::kMetricNameLabel);
              const std::string_view nb = promql::GetLabel(b.labels, promql::kMetricNameLabel);
              return na != nb ? na < nb : a.labels < b.labels;
            });
  return out;
}

StepAggregation DefaultAggregation(const std::string& name) {
  return absl::EndsWith(name, "_total") ? StepAggregation::kRate : StepAggregation::kAvg;
}

int64_t DefaultStepMs(int64_t from_ms, int64_t to_ms) {
  const int64_t seconds = ((to_ms - from_ms) / 300 + 999) / 1000;
  return std::max<int64_t>(seconds, 1) * 1000;
}

absl::StatusOr<promql::Matrix> QuerySteps(const promql::SeriesSource& source, const StepQuery& q) {
  RETURN_IF_ERROR(Check(q));
  ASSIGN_OR_RETURN(std::vector<LabelMatcher> matchers,
                   Matchers(MatchType::kEqual, q.name, q.labels));
  // Steps that start before the raw samples are made of rollup intervals (the resolution the
  // engine would choose for this step), the others of raw samples.
  const promql::StorageLayout layout = source.Layout();
  int64_t raw_from = q.from_ms;
  std::map<promql::Labels, Steps> per_series;
  if (q.from_ms < layout.raw_since_ms) {
    if (const std::optional<int64_t> resolution =
            promql::internal::ChooseRollup(layout, q.step_ms, q.step_ms, q.from_ms)) {
      raw_from = std::min(q.to_ms, q.from_ms + (layout.raw_since_ms - q.from_ms + q.step_ms - 1) /
                                                   q.step_ms * q.step_ms);
      // One interval earlier, so the first step's increase has the interval before it.
      ASSIGN_OR_RETURN(std::vector<promql::RollupSeries> rollups,
                       source.SelectRollups(matchers, *resolution, q.from_ms - *resolution,
                                            raw_from - 1));
      for (const promql::RollupSeries& s : rollups) {
        AddRollupSteps(s.points, q, raw_from, per_series[s.labels]);
      }
    }
  }
  // One step earlier, so the first step's rate has the sample before it.
  ASSIGN_OR_RETURN(std::vector<promql::Series> series,
                   source.Select(matchers, raw_from - q.step_ms, q.to_ms - 1));
  for (const promql::Series& s : series) {
    AddSampleSteps(s.samples, q, raw_from, per_series[s.labels]);
  }
  promql::Matrix out;
  if (q.group_by.empty()) {
    for (const auto& [labels, steps] : per_series) {
      promql::MatrixSeries m = ToPoints(promql::WithoutMetricName(labels), StepValues(steps, q), q);
      if (!m.points.empty()) out.push_back(std::move(m));
    }
  } else {
    std::map<promql::Labels, std::map<int64_t, GroupAccumulator>> groups;
    for (const auto& [labels, steps] : per_series) {
      auto& group = groups[promql::KeepLabels(labels, q.group_by)];
      for (const auto& [index, v] : StepValues(steps, q)) {
        GroupAccumulator& g = group[index];
        ++g.count;
        g.sum += v;
        g.min = std::min(g.min, v);
        g.max = std::max(g.max, v);
      }
    }
    for (const auto& [labels, steps] : groups) {
      std::map<int64_t, double> values;
      for (const auto& [index, g] : steps) values[index] = GroupValue(g, q.aggregation);
      promql::MatrixSeries m = ToPoints(labels, values, q);
      if (!m.points.empty()) out.push_back(std::move(m));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const promql::MatrixSeries& a, const promql::MatrixSeries& b) {
              return a.labels < b.labels;
            });
  return out;
}

}  // namespace datamesh::monitoring
